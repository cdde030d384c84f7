using System.Diagnostics;
using System.Text;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;
using Xunit.Abstractions;

namespace OamOrleans.Telemetry.Tests;

/// <summary>One W3C trace from a plain NATS caller through the bridge, the grains and the agents they call.</summary>
[Trait("Category", "Integration")]
public sealed class TracingTests(TracingFixture mesh, ITestOutputHelper output) : IClassFixture<TracingFixture>
{
    private const string OrleansSource = "Microsoft.Orleans.Application";

    [Fact]
    public async Task A_plain_nats_request_with_traceparent_to_demo_shout_is_one_trace_down_to_the_echo_grain()
    {
        var (trace, parentSpan, traceparent) = TelemetryMesh.NewTraceParent();
        var requestId = MeshIds.New();
        var reply = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.shout", """{"message":"hi"}""",
            new Dictionary<string, string> { ["traceparent"] = traceparent, ["tracestate"] = "vendor=1" }, requestId);
        Assert.Equal("ECHO: HI!", TelemetryMesh.Json(reply).GetProperty("reply").GetString());

        var spans = await mesh.WaitForSpansAsync(trace, s => s.DisplayName == "demo.shout", s => s.DisplayName == "demo.echo");
        output.WriteLine(SpanTree.Render(spans));

        var shout = Assert.Single(spans, s => s.DisplayName == "demo.shout");
        Assert.Equal(ActivityKind.Server, shout.Kind);
        Assert.Equal(parentSpan, shout.ParentSpanId);          // continues the caller's trace
        Assert.Equal("vendor=1", shout.TraceStateString);
        Assert.Equal("nats", shout.GetTagItem("messaging.system"));
        Assert.Equal("mesh.agent.demo.shout", shout.GetTagItem("messaging.destination.name"));
        Assert.Equal(requestId, shout.GetTagItem("messaging.message.id"));
        Assert.Equal("default", shout.GetTagItem("messaging.message.conversation_id"));

        // bridge span -> Orleans grain call -> the in-cluster client span -> demo.echo's span -> its grain call
        var callEcho = Assert.Single(spans, s => s.DisplayName == "call demo.echo");
        Assert.Equal(ActivityKind.Client, callEcho.Kind);
        Assert.Equal("cluster", callEcho.GetTagItem("oam.transport"));
        Assert.True(SpanTree.IsUnder(callEcho, shout, spans));
        Assert.Contains(SpanTree.Between(callEcho, shout, spans), s => s.Source.Name == OrleansSource && s.Kind == ActivityKind.Server);

        var echo = Assert.Single(spans, s => s.DisplayName == "demo.echo");
        Assert.Equal(callEcho.SpanId, echo.ParentSpanId);
        Assert.Equal("cluster", echo.GetTagItem("oam.transport"));
        Assert.Contains(spans, s => s.Source.Name == OrleansSource && s.Kind == ActivityKind.Server && SpanTree.IsUnder(s, echo, spans));
        Assert.All(spans, s => Assert.Equal(trace, s.TraceId));
        Assert.DoesNotContain(spans, s => s.Status == ActivityStatusCode.Error);
    }

    [Fact]
    public async Task A_silo_calling_an_agent_of_a_foreign_process_sends_traceparent_of_its_client_span()
    {
        // The test plays the foreign host: a plain subscriber that answers and keeps the headers it got.
        var got = new TaskCompletionSource<NatsHeaders>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var foreign = await mesh.Caller.SubscribeCoreAsync<byte[]>(MeshSubjects.Agent("foreign.echo"));
        var host = Task.Run(async () =>
        {
            await foreach (var msg in foreign.Msgs.ReadAllAsync())
            {
                got.TrySetResult(msg.Headers ?? []);
                await msg.ReplyAsync(Encoding.UTF8.GetBytes("""{"from":"foreign"}"""));
                break;
            }
        });
        await mesh.Caller.PingAsync();

        var (trace, _, traceparent) = TelemetryMesh.NewTraceParent();
        var reply = await TelemetryMesh.RequestAsync(mesh.Caller, "trace.relay", """{"agent":"foreign.echo","input":{"q":1}}""",
            new Dictionary<string, string> { ["traceparent"] = traceparent });
        Assert.Equal("foreign", TelemetryMesh.Json(reply).GetProperty("from").GetString());
        var headers = await got.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host;

        Assert.True(headers.TryGetValue("traceparent", out var sent), "the silo's request carried no traceparent");
        Assert.True(ActivityContext.TryParse(sent.ToString(), null, out var wire));
        Assert.Equal(trace, wire.TraceId);

        var spans = await mesh.WaitForSpansAsync(trace, s => s.DisplayName == "call foreign.echo", s => s.DisplayName == "trace.relay");
        output.WriteLine(SpanTree.Render(spans));
        var call = Assert.Single(spans, s => s.DisplayName == "call foreign.echo");
        Assert.Equal(wire.SpanId, call.SpanId);                    // the foreign host's parent is the silo's client span
        Assert.Equal(ActivityKind.Client, call.Kind);
        Assert.Equal("nats", call.GetTagItem("messaging.system"));
        Assert.Equal("mesh.agent.foreign.echo", call.GetTagItem("messaging.destination.name"));
        Assert.True(SpanTree.IsUnder(call, Assert.Single(spans, s => s.DisplayName == "trace.relay"), spans));
    }

    [Fact]
    public async Task A_failing_agent_and_a_validation_failure_have_error_status_and_their_code()
    {
        var (failTrace, _, failParent) = TelemetryMesh.NewTraceParent();
        var failed = await TelemetryMesh.RequestAsync(mesh.Caller, "demo.fail", """{"message":"x"}""", new Dictionary<string, string> { ["traceparent"] = failParent });
        Assert.Equal("error", TelemetryMesh.Header(failed, MeshHeaders.Status));
        var fail = Assert.Single(await mesh.WaitForSpansAsync(failTrace, s => s.DisplayName == "demo.fail"), s => s.DisplayName == "demo.fail");
        Assert.Equal(ActivityStatusCode.Error, fail.Status);
        Assert.Equal("handler_error", fail.GetTagItem("error.type"));
        Assert.False(string.IsNullOrEmpty(fail.StatusDescription));

        var (badTrace, _, badParent) = TelemetryMesh.NewTraceParent();
        await TelemetryMesh.RequestAsync(mesh.Caller, "demo.echo", """{"message":5}""", new Dictionary<string, string> { ["traceparent"] = badParent });
        var bad = Assert.Single(await mesh.WaitForSpansAsync(badTrace, s => s.DisplayName == "demo.echo"), s => s.DisplayName == "demo.echo");
        Assert.Equal(ActivityStatusCode.Error, bad.Status);
        Assert.Equal("invalid_input", bad.GetTagItem("error.type"));
    }

    [Fact]
    public async Task A_message_published_by_the_mesh_client_continues_its_trace_in_the_source_agent_that_handles_it()
    {
        await using var client = await MeshClient.ConnectAsync(mesh.Nats.Url, new MeshClientOptions { EnsureBuckets = false });
        using var app = new ActivitySource("Telemetry.Tests.Publisher");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == app.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        ActivityTraceId trace;
        using (var root = app.StartActivity("app publishes")!)
        {
            trace = root.TraceId;
            await client.PublishAsync("audit.login", new { user = "ann" });
        }

        var spans = await mesh.WaitForSpansAsync(trace, s => s.DisplayName == "publish audit.login", s => s.DisplayName == "demo.audit");
        output.WriteLine(SpanTree.Render(spans));
        var publish = Assert.Single(spans, s => s.DisplayName == "publish audit.login");
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        var handled = Assert.Single(spans, s => s.DisplayName == "demo.audit");
        Assert.Equal(ActivityKind.Consumer, handled.Kind);
        Assert.Equal(publish.SpanId, handled.ParentSpanId);
        Assert.Equal("audit.login", handled.GetTagItem("messaging.destination.name"));
    }

    [Fact]
    public async Task A_node_nats_client_setting_traceparent_sees_its_trace_continued()
    {
        await Interop.Tests.NodeTooling.EnsurePackagesAsync(Interop.Tests.InteropPaths.NodeSuiteDir);
        var (trace, parentSpan, traceparent) = TelemetryMesh.NewTraceParent();
        var run = await Interop.Tests.NodeTooling.NodeAsync(Interop.Tests.InteropPaths.NodeSuiteDir, ["trace/traceparent.mjs"], mesh.Nats.Url, TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["TRACEPARENT"] = traceparent });
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("\"status\":\"ok\"", run.Output, StringComparison.Ordinal);

        var spans = await mesh.WaitForSpansAsync(trace, s => s.DisplayName == "demo.echo");
        var echo = Assert.Single(spans, s => s.DisplayName == "demo.echo");
        Assert.Equal(parentSpan, echo.ParentSpanId);
        Assert.Equal("node=1", echo.TraceStateString);
        Assert.Contains(spans, s => s.Source.Name == OrleansSource && SpanTree.IsUnder(s, echo, spans));
    }

    [Fact]
    public async Task The_mesh_client_continues_the_application_trace_for_calls_and_streams_and_the_stream_span_has_chunks_and_usage()
    {
        await using var client = await MeshClient.ConnectAsync(mesh.Nats.Url, new MeshClientOptions { EnsureBuckets = false });
        using var app = new ActivitySource("Telemetry.Tests.App");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == app.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        ActivityTraceId trace;
        using (var root = app.StartActivity("app work")!)
        {
            trace = root.TraceId;
            await client.CallAsync<System.Text.Json.JsonElement>("demo.echo", new { message = "hi" });
            var words = 0;
            await foreach (var _ in client.StreamAsync<System.Text.Json.JsonElement>("demo.words", new { message = "one two three" }))
            {
                words++;
            }

            Assert.Equal(3, words);
        }

        var spans = await mesh.WaitForSpansAsync(trace,
            s => s.DisplayName == "call demo.echo", s => s.DisplayName == "demo.echo", s => s.DisplayName == "stream demo.words", s => s.DisplayName == "demo.words");
        output.WriteLine(SpanTree.Render(spans));
        var call = Assert.Single(spans, s => s.DisplayName == "call demo.echo");
        Assert.Equal(call.SpanId, Assert.Single(spans, s => s.DisplayName == "demo.echo").ParentSpanId);
        var stream = Assert.Single(spans, s => s.DisplayName == "stream demo.words");
        var words3 = Assert.Single(spans, s => s.DisplayName == "demo.words");
        Assert.Equal(stream.SpanId, words3.ParentSpanId);
        Assert.Equal(3L, words3.GetTagItem("oam.stream.chunks"));
        Assert.Equal(3L, words3.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal("words-1", words3.GetTagItem("gen_ai.response.model"));
        Assert.Equal(3L, stream.GetTagItem("oam.stream.chunks"));
    }
}
