using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace OamOrleans.WebAuth;

/// <summary>
/// Token authentication of a web port (silo or <c>oam ui</c>): the scheme, the policy the protected endpoints require, and the
/// login page. Any other ASP.NET Core scheme can guard the same endpoints instead: they are ordinary endpoints with
/// convention builders.
/// </summary>
internal static class HttpTokenAuth
{
    public const string Scheme = "OamToken";
    public const string Policy = "OamToken";

    public static void AddServices(IServiceCollection services, string token)
    {
        services.AddAuthentication(Scheme).AddScheme<HttpTokenOptions, HttpTokenHandler>(Scheme, o => o.Token = token);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
    }

    /// <summary>Adds the middleware and the login page; protected endpoints then call <c>.RequireAuthorization(Policy)</c>.</summary>
    public static void Use(WebApplication app, string token)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        HttpTokenLogin.Map(app, token);
    }
}
