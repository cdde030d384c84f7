using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using OamOrleans.Client;

namespace OamOrleans.Hosting.Web.Tests;

/// <summary>
/// A host that uses the libraries, not the silo: it maps MCP and the admin UI and guards them with its own ASP.NET Core
/// scheme and policy (as it would with OpenID Connect), through the convention builders the <c>Map…</c> methods return.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LibraryHostAuthTests : IAsyncLifetime
{
    private NatsServer _nats = null!;
    private WebApplication _app = null!;
    private string _base = "";

    public async Task InitializeAsync()
    {
        _nats = await NatsServer.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddHealthChecks();
        builder.Services.AddMeshClient(_nats.Url);
        builder.Services.AddMeshMcpServer().WithHttpTransport();
        builder.Services.AddOamAdminUi(o => o.Endpoint = new MeshEndpoint(_nats.Url));
        builder.Services.AddAuthentication(TestScheme.Name).AddScheme<AuthenticationSchemeOptions, TestScheme>(TestScheme.Name, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy("mesh-operators", p => p.RequireClaim("role", "operator"));
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapOpenAgentMeshHealth();
        _app.MapMeshMcp().RequireAuthorization("mesh-operators");
        _app.MapOamAdminUi().RequireAuthorization("mesh-operators");
        await _app.StartAsync();
        _base = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _nats.DisposeAsync();
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("guest", HttpStatusCode.Forbidden)]
    [InlineData("operator", HttpStatusCode.OK)]
    public async Task The_hosts_own_scheme_and_policy_guard_the_admin_ui(string? role, HttpStatusCode expected)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, _base + "/");
        if (role is not null)
        {
            request.Headers.Add(TestScheme.Header, role);
        }

        using var response = await http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task An_operator_lists_the_mcp_tools_and_anyone_else_is_refused()
    {
        await using (var client = await McpClient.CreateAsync(Transport("operator")))
        {
            Assert.NotNull(await client.ListToolsAsync());
        }

        var refused = await Assert.ThrowsAnyAsync<Exception>(async () => await McpClient.CreateAsync(Transport("guest")));
        Assert.Contains("403", refused.ToString(), StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(_base + MeshHealthPaths.Live))).StatusCode);
    }

    private HttpClientTransport Transport(string role) => new(new HttpClientTransportOptions
    {
        Endpoint = new Uri(_base + "/mcp"),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { [TestScheme.Header] = role },
    });

    /// <summary>A stand-in for any real scheme (OpenID Connect, a proxy's header): the role comes from <see cref="Header"/>.</summary>
    private sealed class TestScheme(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "Test";
        public const string Header = "X-Test-Role";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers[Header].ToString() is { Length: > 0 } role
                ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim("role", role)], Name)), Name))
                : AuthenticateResult.NoResult());
    }
}
