using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Cli.Tests;
using OamOrleans.Hosting;
using OamOrleans.Protocol;

namespace OamOrleans.Mcp.Tests;

/// <summary>
/// A silo with agent middleware that serves the test MCP server's tools as <c>mcp.piped.*</c> (its own server name, so
/// the process-wide span and metric listeners see only this fixture's requests), plus an agent that calls by name.
/// </summary>
public sealed class McpPipelineFixture : IAsyncLifetime
{
    private readonly ActivityListener _spans = new()
    {
        ShouldListenTo = source => source.Name == MeshTelemetry.ActivitySourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private readonly MeterListener _meters = new();

    public ConcurrentQueue<Activity> Spans { get; } = new();

    public ConcurrentQueue<(string Instrument, long Value, string? Agent, string? Status)> Counts { get; } = new();

    /// <summary>What the middleware saw: agent name and whether it came over NATS, by the input's <c>text</c>.</summary>
    public ConcurrentDictionary<string, (string Agent, bool OverNats)> Seen { get; } = new();

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public NatsConnection Caller { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _spans.ActivityStopped = Spans.Enqueue;
        ActivitySource.AddActivityListener(_spans);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeshTelemetry.MeterName && instrument.Name == "oam.agent.requests")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? agent = null, status = null;
            foreach (var (k, v) in tags)
            {
                agent = k == "oam.agent" ? v as string : agent;
                status = k == "oam.status" ? v as string : status;
            }

            Counts.Enqueue((instrument.Name, value, agent, status));
        });
        _meters.Start();

        Nats = await NatsServer.StartAsync();
        Silo = await TestSilo.StartAsync(Nats.Url, agents: silo => silo
            .AddAgent<McpCallerAgent>()
            .AddAgentMiddleware(async (invocation, next) =>
            {
                var text = JsonDocument.Parse(invocation.Input).RootElement.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "";
                Seen[text] = (invocation.AgentName, invocation.OverNats);
                if (text.StartsWith("refuse", StringComparison.Ordinal))
                {
                    throw new MeshException("test_refused", "refused by the middleware");
                }

                await next();
            })
            .AddMcpServerAgents("piped", o =>
            {
                o.Command = OamTool.Dotnet;
                o.Arguments.Add(McpServerAgentsFixture.ServerDll);
            }));
        Caller = new NatsConnection(new NatsOpts { Url = Nats.Url });
        await Caller.ConnectAsync();
        await Poll.UntilAsync(async () => (await TryEchoAsync("ready")).Status == MeshHeaders.StatusOk, "mcp.piped.echo answers", TimeSpan.FromSeconds(60), interval: TimeSpan.FromMilliseconds(250));
    }

    /// <summary>A plain NATS request to <c>mcp.piped.echo</c>; status header and body.</summary>
    public async Task<(string? Status, string Body)> TryEchoAsync(string text, IDictionary<string, string>? headers = null)
    {
        var h = new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New() };
        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            h[k] = v;
        }

        try
        {
            var reply = await Caller.RequestAsync<byte[], byte[]>(MeshSubjects.Agent("mcp.piped.echo"), JsonSerializer.SerializeToUtf8Bytes(new { text }), headers: h,
                replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(15) });
            return (reply.Headers?[MeshHeaders.Status].ToString(), Encoding.UTF8.GetString(reply.Data ?? []));
        }
        catch (NatsNoRespondersException)
        {
            return (null, "");
        }
    }

    public async Task DisposeAsync()
    {
        await Caller.DisposeAsync();
        await Silo.DisposeAsync();
        await Nats.DisposeAsync();
        _spans.Dispose();
        _meters.Dispose();
    }
}

/// <summary>Requests to an MCP server's agents pass the silo's one request pipeline, as every agent's do.</summary>
[Trait("Category", "Integration")]
public sealed class McpAgentsPipelineTests(McpPipelineFixture mesh) : IClassFixture<McpPipelineFixture>
{
    [Fact]
    public async Task Registered_middleware_sees_a_call_to_an_mcp_tool_agent_and_can_refuse_it()
    {
        var (status, body) = await mesh.TryEchoAsync("passes");
        Assert.Equal(MeshHeaders.StatusOk, status);
        Assert.Equal("\"echo: passes\"", body);
        Assert.Equal(("mcp.piped.echo", true), mesh.Seen["passes"]);

        (status, body) = await mesh.TryEchoAsync("refuse-me");
        Assert.Equal(MeshHeaders.StatusError, status);
        Assert.Equal("test_refused", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_traced_nats_request_to_an_mcp_tool_agent_gets_the_bridge_server_span()
    {
        var trace = ActivityTraceId.CreateRandom();
        var parent = ActivitySpanId.CreateRandom();
        var (status, _) = await mesh.TryEchoAsync("traced", new Dictionary<string, string> { ["traceparent"] = $"00-{trace}-{parent}-01" });
        Assert.Equal(MeshHeaders.StatusOk, status);

        Activity? span = null;
        await Poll.UntilAsync(() => (span = mesh.Spans.FirstOrDefault(s => s.TraceId == trace && s.DisplayName == "mcp.piped.echo")) is not null, "the server span of mcp.piped.echo");
        Assert.Equal(ActivityKind.Server, span!.Kind);
        Assert.Equal(parent, span.ParentSpanId);
        Assert.Equal("mesh.agent.mcp.piped.echo", span.GetTagItem("messaging.destination.name"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task Requests_to_an_mcp_tool_agent_are_counted_in_oam_agent_requests()
    {
        long Counted(string status) => mesh.Counts.Where(c => c.Agent == "mcp.piped.echo" && c.Status == status).Sum(c => c.Value);
        var ok = Counted("ok");
        var errors = Counted("error");
        await mesh.TryEchoAsync("counted-1");
        await mesh.TryEchoAsync("counted-2");
        await mesh.TryEchoAsync("refuse-counted");

        await Poll.UntilAsync(() => Counted("ok") >= ok + 2 && Counted("error") >= errors + 1, "two ok and one error request of mcp.piped.echo counted");
    }

    [Fact]
    public async Task An_agent_calling_an_mcp_tool_agent_by_name_reaches_it_inside_the_cluster()
    {
        var reply = await mesh.Caller.RequestAsync<byte[], byte[]>(
            MeshSubjects.Agent("mcptest.caller"),
            Encoding.UTF8.GetBytes("""{"agent":"mcp.piped.echo","input":{"text":"from inside"}}"""),
            headers: new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New() },
            replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(15) });

        Assert.Equal(MeshHeaders.StatusOk, reply.Headers?[MeshHeaders.Status].ToString());
        Assert.Equal("\"echo: from inside\"", Encoding.UTF8.GetString(reply.Data ?? []));
        Assert.Equal(("mcp.piped.echo", false), mesh.Seen["from inside"]); // by the pipeline, not over NATS
    }
}
