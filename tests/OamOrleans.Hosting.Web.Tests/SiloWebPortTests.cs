using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using NATS.Client.Core;

namespace OamOrleans.Hosting.Web.Tests;

/// <summary>One real <c>oam-silo</c> with its web port (dashboard, MCP tools, admin UI) and OTLP export to an in-test collector.</summary>
public sealed class SiloWebPortFixture : IAsyncLifetime
{
    public NatsServer Nats { get; private set; } = null!;

    public OtlpCollector Collector { get; } = new();

    public ChildProcess Silo { get; private set; } = null!;

    public int HttpPort { get; } = NatsServer.FreePort();

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync();
        Silo = await OamSiloProcess.StartAsync(Nats, ["demo.echo"], new Dictionary<string, string>
        {
            ["OAM_HTTP_PORT"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OAM_DASHBOARD"] = "true",
            ["OAM_MCP"] = "true",
            ["OAM_UI"] = "true",
            // Chosen explicitly (the silo refuses to start otherwise): this fixture checks the mounts; SiloWebAuthTests the token.
            ["OAM_HTTP_AUTH"] = "none",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Export at once instead of every 60 s (metrics) and 5 s (spans): the SDK reads these standard variables itself.
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Collector.DisposeAsync();
        await Nats.DisposeAsync();
    }
}

[Trait("Category", "Integration")]
public sealed class SiloWebPortTests(SiloWebPortFixture fixture) : IClassFixture<SiloWebPortFixture>
{
    private int Port => fixture.HttpPort;

    [Fact]
    public async Task Ready_answers_200_with_every_check_passing_and_the_summary_names_the_web_port()
    {
        var ready = await WebPort.WaitForAsync(Port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.OK, "ready 200", fixture.Silo);
        Assert.Equal("Healthy", ready.Report.GetProperty("status").GetString());
        Assert.Equal("", ready.Report.GetProperty("reason").GetString());
        Assert.All(MeshReadinessCheck.Names, name => Assert.Equal("Healthy", ready.Check(name)));
        Assert.Contains("13 agent(s) registered", ready.Report.GetProperty("checks").GetProperty("agents").GetProperty("description").GetString(), StringComparison.Ordinal);

        var live = await WebPort.GetAsync(Port, MeshHealthPaths.Live);
        Assert.Equal(HttpStatusCode.OK, live!.Status);

        var summary = await OamSiloProcess.WaitUntilServingAsync(fixture.Silo, TimeSpan.FromSeconds(30));
        Assert.Contains($"web:        http://*:{Port} (/health/live, /health/ready, /metrics, /dashboard/, /mcp (MCP tools), / (admin UI)); auth: none", fixture.Silo.RecentOutput, StringComparison.Ordinal);
        Assert.Contains($"telemetry:  OTLP to {fixture.Collector.Endpoint}", fixture.Silo.RecentOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("nats req", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_scrape_is_Prometheus_text_with_Orleans_and_OamOrleans_instruments()
    {
        await WebPort.WaitForAsync(Port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.OK, "ready 200", fixture.Silo);
        await using var caller = fixture.Nats.Connect("metrics-caller");
        await caller.RequestAsync<string, string>("mesh.agent.demo.echo", """{"message":"counted"}""", replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(10) });
        var metrics = await WebPort.WaitForAsync(Port, "/metrics", a => a.Body.Contains("orleans_", StringComparison.Ordinal) && a.Body.Contains("oam_agent_requests", StringComparison.Ordinal),
            "Orleans and OamOrleans metrics on /metrics", fixture.Silo);
        Assert.Matches("oam_agent_requests_total\\{[^}]*oam_agent=\"demo.echo\"", metrics.Body);
        Assert.Contains("otel_scope_name=\"OamOrleans\"", metrics.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        Assert.Contains("# TYPE orleans_", metrics.Body, StringComparison.Ordinal);
        Assert.Contains("otel_scope_name=\"Microsoft.Orleans\"", metrics.Body, StringComparison.Ordinal);
        Assert.Contains("service_name=\"oam-silo\"", metrics.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_is_mounted_under_dashboard_on_the_same_port()
    {
        var page = await WebPort.WaitForAsync(Port, "/dashboard/", a => a.Status == HttpStatusCode.OK, "the dashboard page", fixture.Silo);
        Assert.Contains("<html", page.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Orleans", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mcp_tools_of_the_mesh_are_served_on_the_web_port_and_call_the_agents()
    {
        await WebPort.WaitForAsync(Port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.OK, "ready 200", fixture.Silo);
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));
        await Poll.UntilAsync(async () => (await client.ListToolsAsync()).Any(t => t.Name == "demo_echo"), "the silo's /mcp lists demo_echo", TimeSpan.FromSeconds(30), fixture.Silo);

        var result = await client.CallToolAsync("demo_echo", new Dictionary<string, object?> { ["message"] = "over mcp" });
        Assert.NotEqual(true, result.IsError);
        Assert.Contains("Echo: over mcp", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_ui_is_mounted_at_the_root_and_the_silo_warns_that_it_is_open()
    {
        var page = await WebPort.WaitForAsync(Port, "/", a => a.Status == HttpStatusCode.OK, "the admin UI's registry page", fixture.Silo);
        // The shell of the Blazor app (pages render over its circuit, tested in a browser by the admin UI suite) and its assets.
        Assert.Contains("<script src=\"_framework/blazor.web.js\"></script>", page.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await WebPort.GetAsync(Port, "/_framework/blazor.web.js"))!.Status);
        Assert.Equal(HttpStatusCode.OK, (await WebPort.GetAsync(Port, "/_oam/admin.css"))!.Status);
        await OamSiloProcess.WaitUntilServingAsync(fixture.Silo, TimeSpan.FromSeconds(30));
        Assert.Contains($"EXPOSED: web port {Port} serves the admin UI / MCP / dashboard on every interface without authentication (OAM_HTTP_AUTH=none)", fixture.Silo.RecentOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Otlp_endpoint_variable_alone_exports_traces_and_metrics_over_http_protobuf()
    {
        await using var caller = fixture.Nats.Connect("otlp-caller");
        for (var i = 0; i < 3; i++)
        {
            var reply = await caller.RequestAsync<string, string>("mesh.agent.demo.echo", """{"message":"traced"}""", replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(10) });
            Assert.Contains("traced", reply.Data, StringComparison.Ordinal);
        }

        await Poll.UntilAsync(() => Task.FromResult(
                fixture.Collector.Exports.Any(e => e.Path == "/v1/traces" && e.Bytes > 0) && fixture.Collector.Exports.Any(e => e.Path == "/v1/metrics" && e.Bytes > 0)),
            $"the collector receives /v1/traces and /v1/metrics (got: {string.Join(", ", fixture.Collector.Exports.Select(e => e.Path).Distinct())})",
            TimeSpan.FromSeconds(30), fixture.Silo);
        Assert.All(fixture.Collector.Exports, e => Assert.Equal("application/x-protobuf", e.ContentType));
    }

    [Fact]
    public async Task Oam_mesh_health_prints_the_checks_and_exits_0_for_a_ready_silo()
    {
        await WebPort.WaitForAsync(Port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.OK, "ready 200", fixture.Silo);
        var (exit, stdout, stderr) = await WebPort.RunAsync(WebPort.CliDll, ["mesh", "health", "--url", $"http://127.0.0.1:{Port}"]);
        Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr}");
        Assert.Contains("nats    Healthy", stdout, StringComparison.Ordinal);
        Assert.Contains($"ready (http://127.0.0.1:{Port}/health/ready)", stdout, StringComparison.Ordinal);

        (exit, stdout, stderr) = await WebPort.RunAsync(WebPort.CliDll, ["mesh", "health", "--web-url", $"http://127.0.0.1:{Port}/health/ready", "--json"]);
        Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr}");
        Assert.Equal("Healthy", JsonDocument.Parse(stdout).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Oam_mesh_health_exits_1_with_an_error_when_nothing_answers_and_2_for_a_bad_url()
    {
        var closed = NatsServer.FreePort();
        var (exit, _, stderr) = await WebPort.RunAsync(WebPort.CliDll, ["mesh", "health", "--url", $"http://127.0.0.1:{closed}"]);
        Assert.Equal(1, exit);
        Assert.StartsWith($"Error: no answer from http://127.0.0.1:{closed}/health/ready", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await WebPort.RunAsync(WebPort.CliDll, ["mesh", "health", "--url", "nats://127.0.0.1:4222"]);
        Assert.Equal(2, exit);
        Assert.Contains("--url must be an http:// or https:// URL", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_health_check_mode_exits_0_for_its_ready_port_and_1_for_a_closed_one()
    {
        await WebPort.WaitForAsync(Port, MeshHealthPaths.Ready, a => a.Status == HttpStatusCode.OK, "ready 200", fixture.Silo);
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exit, stdout, stderr) = await WebPort.RunAsync(OamSiloProcess.Dll(), ["--health-check"], new Dictionary<string, string> { ["OAM_HTTP_PORT"] = port });
        Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr}");
        Assert.StartsWith("200 ", stdout, StringComparison.Ordinal);

        var closed = NatsServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        (exit, _, stderr) = await WebPort.RunAsync(OamSiloProcess.Dll(), ["--health-check"], new Dictionary<string, string> { ["OAM_HTTP_PORT"] = closed });
        Assert.Equal(1, exit);
        Assert.Contains("did not answer", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OAM_DASHBOARD", "true", "OAM_DASHBOARD=true needs the web port: set Oam:HttpPort / OAM_HTTP_PORT too")]
    [InlineData("OAM_HTTP_PORT", "http", "Setting Oam:HttpPort / OAM_HTTP_PORT must be a port number (1-65535), was 'http'.")]
    [InlineData("OAM_UI", "true", "OAM_UI=true needs the web port: set Oam:HttpPort / OAM_HTTP_PORT too")]
    [InlineData("OAM_MCP", "true", "OAM_MCP=true needs the web port: set Oam:HttpPort / OAM_HTTP_PORT too")]
    [InlineData("OAM_DASHBOARD", "yes", "Setting Oam:Dashboard / OAM_DASHBOARD must be true or false, was 'yes'.")]
    public async Task Bad_web_settings_stop_the_silo_at_once_with_exit_2_naming_the_setting(string variable, string value, string message)
    {
        var (exit, _, stderr) = await WebPort.RunAsync(OamSiloProcess.Dll(), [], new Dictionary<string, string> { [variable] = value });
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
