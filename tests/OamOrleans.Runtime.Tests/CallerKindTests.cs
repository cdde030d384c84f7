using System.Collections.Concurrent;
using System.Diagnostics;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// Every kind of caller passes the pipeline's steps exactly once: NATS through the local bridge, NATS for a
/// conversation whose grain lives on another silo, a call by name to an agent only another silo hosts, and a typed
/// grain reference.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CallerKindTests : OwnNatsServerTests
{
    private readonly ConcurrentDictionary<string, int> _seen = new();
    private TestSiloCluster _cluster = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _cluster = await TestSiloCluster.StartAsync(Nats.Url, silos: 2, agentsOf: i => silo =>
        {
            silo.AddAgent<CounterAgent>().AddAgent<EchoAgent>();
            if (i == 0)
            {
                silo.AddAgent<RelayAgent>(); // only silo 0: its calls to test.typed cross to silo 1
            }
            else
            {
                silo.AddAgent<TypedAgent>();
            }

            silo.AddAgentMiddleware((invocation, next) =>
            {
                _seen.AddOrUpdate($"{invocation.AgentName}/{invocation.RequestId}", 1, (_, n) => n + 1);
                return next();
            });
        });
    }

    public override async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Conversations_whose_grains_live_on_either_silo_pass_the_middleware_once_per_request()
    {
        // 40 conversations of two turns: Orleans places their grains on both silos, while either silo's bridge takes
        // the NATS request. Before, a grain on the other silo ran the checks and the middleware a second time.
        var requests = new List<string>();
        for (var turn = 1; turn <= 2; turn++)
        {
            var calls = Enumerable.Range(0, 40).Select(async c =>
            {
                var requestId = MeshIds.New();
                lock (requests)
                {
                    requests.Add(requestId);
                }

                var reply = await RequestAsync(Raw, "demo.counter", "{}", requestId, new Dictionary<string, string> { [MeshHeaders.ConversationId] = $"kinds-{c}" });
                return Json(reply).GetProperty("count").GetInt32();
            });
            Assert.All(await Task.WhenAll(calls), count => Assert.Equal(turn, count));
        }

        Assert.Equal(80, requests.Count);
        Assert.All(requests, id => Assert.Equal(1, _seen.GetValueOrDefault($"demo.counter/{id}")));
        Assert.True(await ActivationsOnBothSilosAsync("demo.counter"), "the test needs conversations on both silos");
    }

    [Fact]
    public async Task A_call_by_name_to_an_agent_another_silo_hosts_passes_that_silos_pipeline_once()
    {
        var relayId = MeshIds.New();
        var spans = new ConcurrentBag<Activity>();
        using var listener = Listen(spans);

        var reply = await RequestAsync(Raw, "test.relay", """{"target":"test.typed","payload":{"name":"n","count":1,"mood":"Calm","tags":[],"home":{"city":"Rome"}}}""", relayId);

        Assert.Equal("n:1:Calm::", Json(reply).GetProperty("summary").GetString());
        Assert.Equal(1, _seen[$"test.relay/{relayId}"]);
        var typed = Assert.Single(_seen, s => s.Key.StartsWith("test.typed/", StringComparison.Ordinal));
        Assert.Equal(1, typed.Value);
        // Received and recorded where the grain runs: a server span for the call, with its request id.
        var requestId = typed.Key["test.typed/".Length..];
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("messaging.message.id") == requestId);
        Assert.Equal("cluster", server.GetTagItem("oam.transport"));
    }

    [Fact]
    public async Task A_typed_grain_reference_is_checked_run_through_middleware_and_recorded_once()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = Listen(spans);
        var grains = (IGrainFactory)_cluster.ServicesOf(0).GetService(typeof(IGrainFactory))!;

        var echo = await grains.GetAgent<EchoAgent>().CallAsync<EchoOut>(new EchoIn("typed"));
        var refused = await Assert.ThrowsAsync<InvalidInputException>(() => grains.GetAgent("demo.echo").CallJsonAsync("""{"message":5}"""u8.ToArray()));

        Assert.Equal("Echo: typed", echo.Reply);
        Assert.Contains("Input failed validation for agent 'demo.echo'", refused.Message);
        var calls = _seen.Where(s => s.Key.StartsWith("demo.echo/", StringComparison.Ordinal)).ToList();
        Assert.Single(calls); // the refused call never reached the middleware
        Assert.Equal(1, calls[0].Value);
        var requestId = calls[0].Key["demo.echo/".Length..];
        Assert.Single(spans, s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("messaging.message.id") == requestId);
    }

    private static ActivityListener Listen(ConcurrentBag<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MeshTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private async Task<bool> ActivationsOnBothSilosAsync(string agent)
    {
        var management = ((IGrainFactory)_cluster.ServicesOf(0).GetService(typeof(IGrainFactory))!).GetGrain<IManagementGrain>(0);
        var type = AgentAttribute.GrainTypeOf(agent);
        var stats = await management.GetDetailedGrainStatistics();
        return stats.Where(s => s.GrainId.Type == type).Select(s => s.SiloAddress).Distinct().Count() == 2;
    }
}
