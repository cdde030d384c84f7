using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OamOrleans.WebAuth;

/// <summary>Options of <see cref="HttpTokenHandler"/>: the one token the web port accepts.</summary>
internal sealed class HttpTokenOptions : AuthenticationSchemeOptions
{
    public string Token { get; set; } = "";
}

/// <summary>
/// The web port's token scheme. A request is authenticated by <c>Authorization: Bearer {token}</c> (MCP clients, scrapers,
/// scripts) or by the session cookie the login page sets (<see cref="HttpTokenSession"/>); both compared in constant time.
/// An unauthenticated browser navigation is sent to the login page, anything else gets 401 with <c>WWW-Authenticate: Bearer</c>.
/// </summary>
internal sealed class HttpTokenHandler(IOptionsMonitor<HttpTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<HttpTokenOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(Matches(authorization["Bearer ".Length..].Trim(), Options.Token)
                ? Success("bearer")
                : AuthenticateResult.Fail("wrong bearer token"));
        }

        if (Request.Cookies.TryGetValue(HttpTokenSession.CookieName, out var cookie))
        {
            return Task.FromResult(HttpTokenSession.IsValid(cookie, Options.Token, TimeProvider.GetUtcNow())
                ? Success("session")
                : AuthenticateResult.Fail("expired or foreign session cookie"));
        }

        return Task.FromResult(AuthenticateResult.NoResult());
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (IsBrowserNavigation(Request))
        {
            Response.Redirect(HttpTokenLogin.LoginPath + "?returnUrl=" + Uri.EscapeDataString(Request.PathBase + Request.Path + Request.QueryString));
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"oam\"";
        return Task.CompletedTask;
    }

    /// <summary>Constant-time comparison of <paramref name="given"/> with <paramref name="expected"/> (hashes of equal length).</summary>
    public static bool Matches(string given, string expected) =>
        expected.Length > 0
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    /// <summary>A page load in a browser (GET that accepts HTML): worth a redirect to the login page rather than a bare 401.</summary>
    private static bool IsBrowserNavigation(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private AuthenticateResult Success(string how) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "oam-" + how)], Scheme.Name)),
            Scheme.Name));
}
