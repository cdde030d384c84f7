using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using ModelContextProtocol.Client;

namespace OamOrleans.Hosting.Web.Tests;

/// <summary>A real <c>oam-silo</c> whose web port serves the admin UI, MCP and the dashboard behind <c>OAM_HTTP_AUTH=token</c>.</summary>
public sealed class TokenSiloFixture : IAsyncLifetime
{
    public const string Token = "s3cret-web-token-0123456789abcdef";

    private readonly string _dir = Directory.CreateTempSubdirectory("oam-webauth-").FullName;

    public NatsServer Nats { get; private set; } = null!;

    public ChildProcess Silo { get; private set; } = null!;

    public int HttpPort { get; } = NatsServer.FreePort();

    public string TokenFile => Path.Combine(_dir, "web.token");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(TokenFile, Token + "\n");
        Nats = await NatsServer.StartAsync();
        Silo = await OamSiloProcess.StartAsync(Nats, ["demo.echo"], new Dictionary<string, string>
        {
            ["OAM_HTTP_PORT"] = HttpPort.ToString(CultureInfo.InvariantCulture),
            ["OAM_DASHBOARD"] = "true",
            ["OAM_MCP"] = "true",
            ["OAM_UI"] = "true",
            ["OAM_HTTP_AUTH"] = "token",
            ["OAM_HTTP_TOKEN_FILE"] = TokenFile,
        });
        await WebPort.WaitForAsync(HttpPort, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.OK, "ready 200", Silo);
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Nats.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>What the token-protected web port answers without, with a wrong and with the right token; what stays open.</summary>
[Trait("Category", "Integration")]
public sealed class SiloWebAuthTests(TokenSiloFixture fixture) : IClassFixture<TokenSiloFixture>
{
    private static readonly HttpClient Http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private string Base => $"http://127.0.0.1:{fixture.HttpPort.ToString(CultureInfo.InvariantCulture)}";

    [Theory]
    [InlineData("/mcp")]
    [InlineData("/dashboard/")]
    [InlineData("/")]
    public async Task Without_a_token_protected_paths_answer_401_with_a_bearer_challenge(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task A_browser_without_a_token_is_sent_to_the_login_page_which_comes_back_after_sign_in()
    {
        using var page = await SendAsync(HttpMethod.Get, "/agents/demo.echo", accept: "text/html");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/_oam/login?returnUrl=%2Fagents%2Fdemo.echo", page.Headers.Location!.OriginalString);

        using var login = await SendAsync(HttpMethod.Get, page.Headers.Location.OriginalString, accept: "text/html");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("name=\"token\" type=\"password\"", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_gets_401_as_bearer_and_at_the_login_page()
    {
        using var bearer = await SendAsync(HttpMethod.Get, "/dashboard/", token: "wrong-token-wrong-token-wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, bearer.StatusCode);

        using var login = await LoginAsync("wrong-token-wrong-token-wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Contains("Wrong token.", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(login.Headers.Contains("Set-Cookie"));

        using var forged = await SendAsync(HttpMethod.Get, "/dashboard/", cookie: "oam_session=99999999999.00");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task The_right_token_opens_the_dashboard_and_the_ui_by_bearer_and_by_the_login_cookie()
    {
        using var dashboard = await SendAsync(HttpMethod.Get, "/dashboard/", token: TokenFixtureToken);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);

        using var login = await LoginAsync(TokenFixtureToken, returnUrl: "/agents/demo.echo");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/agents/demo.echo", login.Headers.Location!.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("oam_session=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TokenFixtureToken, cookie, StringComparison.Ordinal);

        using var ui = await SendAsync(HttpMethod.Get, "/", accept: "text/html", cookie: cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("_framework/blazor.web.js", await ui.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_login_page_never_redirects_off_site()
    {
        using var login = await LoginAsync(TokenFixtureToken, returnUrl: "//evil.example/x");
        Assert.Equal("/", login.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Mcp_clients_with_the_bearer_token_list_and_call_the_tools()
    {
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(Base + "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + TokenFixtureToken },
        }));
        await Poll.UntilAsync(async () => (await client.ListToolsAsync()).Any(t => t.Name == "demo_echo"), "/mcp lists demo_echo", TimeSpan.FromSeconds(30), fixture.Silo);
        var result = await client.CallToolAsync("demo_echo", new Dictionary<string, object?> { ["message"] = "with a token" });
        Assert.NotEqual(true, result.IsError);
    }

    [Fact]
    public async Task Mcp_clients_without_the_token_cannot_initialize()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(Base + "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        })));
        Assert.Contains("401", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task Probes_and_metrics_answer_without_a_token(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_start_up_summary_names_the_auth_mode_and_what_it_guards_and_never_the_token()
    {
        await OamSiloProcess.WaitUntilServingAsync(fixture.Silo, TimeSpan.FromSeconds(30));
        Assert.Contains("auth: token (Authorization: Bearer, or the login page's cookie) on /dashboard/, /mcp (MCP tools), / (admin UI)", fixture.Silo.RecentOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("EXPOSED", fixture.Silo.RecentOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenFixtureToken, fixture.Silo.RecentOutput, StringComparison.Ordinal);
    }

    private const string TokenFixtureToken = TokenSiloFixture.Token;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token = null, string? accept = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(method, Base + path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await Http.SendAsync(request);
    }

    private Task<HttpResponseMessage> LoginAsync(string token, string returnUrl = "/") =>
        Http.PostAsync(new Uri(Base + "/_oam/login"), new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["returnUrl"] = returnUrl }));
}

/// <summary>The secure default and the protected-metrics option, each on a silo process of its own.</summary>
[Trait("Category", "Integration")]
public sealed class SiloWebAuthSettingsTests
{
    [Theory]
    [InlineData("OAM_UI")]
    [InlineData("OAM_MCP")]
    [InlineData("OAM_DASHBOARD")]
    public async Task A_web_port_with_a_privileged_mount_and_no_auth_chosen_refuses_to_start_naming_both_ways_out(string mount)
    {
        var (exit, _, stderr) = await WebPort.RunAsync(OamSiloProcess.Dll(), [], new Dictionary<string, string>
        {
            ["OAM_HTTP_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            [mount] = "true",
        });
        Assert.Equal(2, exit);
        Assert.Contains("no authentication is set", stderr, StringComparison.Ordinal);
        Assert.Contains("OAM_HTTP_AUTH=token and OAM_HTTP_TOKEN_FILE=", stderr, StringComparison.Ordinal);
        Assert.Contains("OAM_HTTP_AUTH=none", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token", null, "Oam:HttpAuth / OAM_HTTP_AUTH=token needs Oam:HttpTokenFile / OAM_HTTP_TOKEN_FILE")]
    [InlineData("token", "/nonexistent/web.token", "cannot read '/nonexistent/web.token'")]
    [InlineData("token", "short", "must hold one token of at least 16 characters")]
    [InlineData("basic", null, "Setting Oam:HttpAuth / OAM_HTTP_AUTH must be 'token' or 'none', was 'basic'.")]
    public async Task Bad_auth_settings_stop_the_silo_with_exit_2_naming_the_setting(string mode, string? tokenFile, string message)
    {
        var dir = Directory.CreateTempSubdirectory("oam-webauth-bad-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["OAM_HTTP_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture), ["OAM_UI"] = "true", ["OAM_HTTP_AUTH"] = mode };
            if (tokenFile == "short")
            {
                tokenFile = Path.Combine(dir, "short.token");
                await File.WriteAllTextAsync(tokenFile, "abc\n");
            }

            if (tokenFile is not null)
            {
                env["OAM_HTTP_TOKEN_FILE"] = tokenFile;
            }

            var (exit, _, stderr) = await WebPort.RunAsync(OamSiloProcess.Dll(), [], env);
            Assert.Equal(2, exit);
            Assert.Contains(message, stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Metrics_ask_for_the_token_when_protected()
    {
        var dir = Directory.CreateTempSubdirectory("oam-webauth-metrics-").FullName;
        var tokenFile = Path.Combine(dir, "web.token");
        await File.WriteAllTextAsync(tokenFile, TokenSiloFixture.Token);
        var port = NatsServer.FreePort();
        await using var nats = await NatsServer.StartAsync();
        await using (var silo = await OamSiloProcess.StartAsync(nats, ["demo.echo"], new Dictionary<string, string>
        {
            ["OAM_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["OAM_HTTP_AUTH"] = "token",
            ["OAM_HTTP_TOKEN_FILE"] = tokenFile,
            ["OAM_HTTP_AUTH_METRICS"] = "true",
        }))
        {
            await WebPort.WaitForAsync(port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.OK, "ready 200 without a token", silo);
            Assert.Equal(HttpStatusCode.Unauthorized, (await WebPort.GetAsync(port, "/metrics"))!.Status);
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenSiloFixture.Token);
            using var scrape = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        }

        Directory.Delete(dir, recursive: true);
    }
}
