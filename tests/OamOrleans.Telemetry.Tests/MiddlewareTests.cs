using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Runtime.Tests;
using OamOrleans.Samples.Agents;
using OamOrleans.Samples.Agents.Middleware;

namespace OamOrleans.Telemetry.Tests;

/// <summary>What the two test middleware saw, in order: "first&gt; agent rid", "second&gt; …", "&lt;second …", "&lt;first …".</summary>
public sealed class MiddlewareLog
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ConcurrentDictionary<string, AgentInvocation> Seen { get; } = new();

    public List<string> For(string requestId) => Entries.Where(e => e.EndsWith(" " + requestId, StringComparison.Ordinal)).ToList();
}

/// <summary>Behaviour chosen by the caller's <c>X-Test-Middleware</c> header, or by the input for calls inside the cluster.</summary>
public sealed class FirstMiddleware(MiddlewareLog log) : IAgentMiddleware
{
    public async Task InvokeAsync(AgentInvocation invocation, Func<Task> nextStep)
    {
        var key = invocation.OverNats ? invocation.RequestId : $"{invocation.AgentName}@{Encoding.UTF8.GetString(invocation.Input.Span)}";
        log.Seen[key] = invocation;
        log.Entries.Enqueue($"first> {invocation.AgentName} {invocation.RequestId}");
        invocation.Headers.TryGetValue("X-Test-Middleware", out var mode);
        if (mode == "refuse" || (!invocation.OverNats && Encoding.UTF8.GetString(invocation.Input.Span).Contains("refuse-inside", StringComparison.Ordinal)))
        {
            throw new MeshException("test_refused", "refused by the first middleware", details: JsonSerializer.SerializeToElement(new { why = "test" }));
        }

        if (mode == "throw")
        {
            throw new InvalidOperationException("the first middleware broke");
        }

        if (mode == "usage")
        {
            invocation.ReportUsage(new MeshUsage { InputTokens = 7 });
        }

        await nextStep();
        log.Entries.Enqueue($"<first {invocation.Status} {invocation.AgentName} {invocation.RequestId}");
    }
}

public sealed class MiddlewareFixture : IAsyncLifetime
{
    public MiddlewareLog Log { get; } = new();

    public LogSink Logs { get; } = new();

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public NatsConnection Caller { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync();
        Silo = await TestSilo.StartAsync(Nats.Url, logs: Logs, agents: silo =>
        {
            TelemetryMesh.SampleAndRelayAgents(silo);
            silo.Services.AddSingleton(Log);
            silo.AddAgentMiddleware<FirstMiddleware>();
            silo.AddAgentMiddleware(async (invocation, next) =>
            {
                Log.Entries.Enqueue($"second> {invocation.AgentName} {invocation.RequestId}");
                await next();
                Log.Entries.Enqueue($"<second {invocation.Status} {invocation.AgentName} {invocation.RequestId}");
            });
            silo.AddAgentMiddleware<AuditMiddleware>();
        });
        Caller = new NatsConnection(new NatsOpts { Url = Nats.Url });
        await Caller.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await Caller.DisposeAsync();
        await Silo.DisposeAsync();
        await Nats.DisposeAsync();
    }
}

/// <summary>Agent middleware: order, what it sees, short-circuit, exceptions, streams, calls inside the cluster.</summary>
[Trait("Category", "Integration")]
public sealed class MiddlewareTests(MiddlewareFixture mesh) : IClassFixture<MiddlewareFixture>
{
    private static Dictionary<string, string> Mode(string mode) => new() { ["X-Test-Middleware"] = mode, [MeshHeaders.ConversationId] = "conv-7" };

    [Fact]
    public async Task Middleware_runs_in_registration_order_and_sees_the_request_headers_input_and_reply()
    {
        var rid = MeshIds.New();
        var reply = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.echo", """{"message":"hi"}""", Mode("none"), rid);
        Assert.Equal("ok", TelemetryMesh.Header(reply, MeshHeaders.Status));
        Assert.Equal(["first> demo.echo " + rid, "second> demo.echo " + rid, "<second Replied demo.echo " + rid, "<first Replied demo.echo " + rid], mesh.Log.For(rid));

        var seen = mesh.Log.Seen[rid];
        Assert.True(seen.OverNats);
        Assert.Equal("conv-7", seen.Headers[MeshHeaders.ConversationId]);
        Assert.Equal("none", seen.Headers["x-test-middleware"]);        // names ignore case
        Assert.Equal("""{"message":"hi"}""", Encoding.UTF8.GetString(seen.Input.Span));
        Assert.Equal("Echo: hi", JsonDocument.Parse(seen.Reply).RootElement.GetProperty("reply").GetString());
        await mesh.Logs.WaitForAsync(r => r.Message.Contains($"request={rid}", StringComparison.Ordinal) && r.Message.Contains("outcome=ok", StringComparison.Ordinal), "the audit line", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_middleware_that_throws_a_mesh_exception_answers_its_code_and_the_agent_never_runs()
    {
        var rid = MeshIds.New();
        var reply = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.counter", "{}", Mode("refuse"), rid);
        Assert.Equal("error", TelemetryMesh.Header(reply, MeshHeaders.Status));
        var error = TelemetryMesh.Json(reply);
        Assert.Equal("test_refused", error.GetProperty("code").GetString());
        Assert.Equal("test", error.GetProperty("details").GetProperty("why").GetString());
        Assert.Equal(["first> demo.counter " + rid], mesh.Log.For(rid));   // neither the second middleware nor the agent ran

        // The conversation was never touched: its first real turn counts 1.
        var turn = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.counter", "{}", Mode("none"));
        Assert.Equal(1, TelemetryMesh.Json(turn).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_middleware_that_throws_is_answered_handler_error_and_the_silo_keeps_serving()
    {
        var reply = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.echo", """{"message":"hi"}""", Mode("throw"));
        var error = TelemetryMesh.Json(reply);
        Assert.Equal("handler_error", error.GetProperty("code").GetString());
        Assert.Contains("the first middleware broke", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        var next = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.echo", """{"message":"again"}""", Mode("none"));
        Assert.Equal("ok", TelemetryMesh.Header(next, MeshHeaders.Status));
    }

    [Fact]
    public async Task Usage_a_middleware_adds_reaches_the_callers_usage_header()
    {
        var reply = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.echo", """{"message":"hi"}""", Mode("usage"));
        var usage = MeshUsage.Parse(TelemetryMesh.Header(reply, MeshHeaders.Usage));
        Assert.Equal(7, usage?.InputTokens);
    }

    [Fact]
    public async Task Middleware_sees_a_streams_end_its_chunks_and_usage()
    {
        var rid = MeshIds.New();
        await using var frames = await mesh.Caller.SubscribeCoreAsync<byte[]>(MeshSubjects.Stream(rid));
        await mesh.Caller.PingAsync();
        var headers = new NatsHeaders { [MeshHeaders.RequestId] = rid, [MeshHeaders.Stream] = MeshHeaders.True, ["X-Test-Middleware"] = "none" };
        await mesh.Caller.PublishAsync(MeshSubjects.Agent("demo.words"), Encoding.UTF8.GetBytes("""{"message":"one two three"}"""), headers);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var frame in frames.Msgs.ReadAllAsync(deadline.Token))
        {
            if (frame.Headers?.ContainsKey(MeshHeaders.StreamEnd) == true)
            {
                break;
            }
        }

        await Poll.UntilAsync(() => mesh.Log.For(rid).Count == 4, "the middleware's after-steps");
        Assert.Equal("<first StreamEnded demo.words " + rid, mesh.Log.For(rid)[3]);
        var seen = mesh.Log.Seen[rid];
        Assert.True(seen.IsStream);
        Assert.Equal(3, seen.StreamChunks);
        Assert.Equal(3, seen.Usage?.OutputTokens);
    }

    [Fact]
    public async Task Calls_by_name_inside_the_cluster_pass_the_middleware_and_its_refusal_reaches_the_outer_caller()
    {
        var rid = MeshIds.New();
        var reply = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.shout", """{"message":"inside"}""", Mode("none"), rid);
        Assert.Equal("ECHO: INSIDE!", TelemetryMesh.Json(reply).GetProperty("reply").GetString());
        var inner = mesh.Log.Seen["demo.echo@{\"message\":\"inside\"}"];
        Assert.False(inner.OverNats);
        Assert.Empty(inner.Headers);
        Assert.Equal(AgentInvocationStatus.Replied, inner.Status);

        var refused = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.shout", """{"message":"refuse-inside"}""", Mode("none"));
        Assert.Equal("test_refused", TelemetryMesh.Json(refused).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_typed_grain_reference_call_runs_the_middleware_in_the_grain_and_can_be_refused()
    {
        var echo = mesh.Silo.Grains.GetAgent<EchoAgent>();
        Assert.Equal("Echo: typed", (await echo.CallAsync<EchoOut>(new EchoIn("typed"))).Reply);
        var seen = mesh.Log.Seen["demo.echo@{\"message\":\"typed\"}"];
        Assert.False(seen.OverNats);
        Assert.Equal(AgentInvocationStatus.Replied, seen.Status);

        var refused = await Assert.ThrowsAnyAsync<MeshException>(() => echo.CallAsync<EchoOut>(new EchoIn("refuse-inside")));
        Assert.Equal("test_refused", refused.Code);
    }
}
