using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OamOrleans.WebAuth;

/// <summary>
/// The small login page of the admin UI and the dashboard: the token typed once is exchanged for the session cookie
/// (HTTP-only, SameSite=Strict, Secure over HTTPS), then the browser goes back where it was headed.
/// </summary>
internal static class HttpTokenLogin
{
    public const string LoginPath = "/_oam/login";
    public const string LogoutPath = "/_oam/logout";

    public static void Map(IEndpointRouteBuilder endpoints, string token)
    {
        endpoints.MapGet(LoginPath, (HttpContext context) => Page(context, ReturnUrl(context.Request.Query["returnUrl"]), error: null));
        endpoints.MapPost(LoginPath, async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            var returnUrl = ReturnUrl(form["returnUrl"]);
            if (!HttpTokenHandler.Matches(form["token"].ToString().Trim(), token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await Page(context, returnUrl, "Wrong token.").ConfigureAwait(false);
                return;
            }

            context.Response.Cookies.Append(HttpTokenSession.CookieName, HttpTokenSession.Issue(token, DateTimeOffset.UtcNow), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
                MaxAge = HttpTokenSession.Lifetime,
            });
            context.Response.Redirect(returnUrl);
        });
        endpoints.MapPost(LogoutPath, (HttpContext context) =>
        {
            context.Response.Cookies.Delete(HttpTokenSession.CookieName, new CookieOptions { Path = "/" });
            context.Response.Redirect(LoginPath);
        });
    }

    /// <summary>Only a path of this site (never <c>//host</c> or an absolute URL): the login must not redirect elsewhere.</summary>
    private static string ReturnUrl(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";

    private static Task Page(HttpContext context, string returnUrl, string? error)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var message = error is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>";
        return context.Response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Sign in · OamOrleans</title>
              <style>
                body { font-family: system-ui, sans-serif; display: grid; place-items: center; min-height: 90vh; margin: 0; }
                form { display: grid; gap: .6rem; min-width: 18rem; }
                input, button { font: inherit; padding: .4rem; }
                .error { color: #b00020; margin: 0; }
              </style>
            </head>
            <body>
              <form method="post" action="{{LoginPath}}">
                <h1>OamOrleans</h1>
                <label for="token">Access token (OAM_HTTP_TOKEN_FILE)</label>
                <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
                <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl)}}">
                {{message}}
                <button type="submit">Sign in</button>
              </form>
            </body>
            </html>
            """);
    }
}
