using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Runtime.Tests;

/// <summary>The client's observe API (§9 item 31) against a real host: levels per agent and global, and the typed log tail.</summary>
[Collection(SourceGateCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ObserveApiTests(SourceGateFixture mesh)
{
    [Fact]
    public async Task Levels_are_set_per_agent_and_globally_read_back_with_their_source_and_applied_live_to_the_log_tail()
    {
        var observe = mesh.Client.Observe;
        Assert.Equal(new EffectiveObserveSettings(LogEvent.Info, "default"), await observe.GetAsync("test.src.responder"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await observe.SetAsync("test.src.responder", "loud"));

        // Global debug (more, never fewer, events for the other tests of the collection), one agent at error.
        await observe.SetGlobalAsync(LogEvent.Debug);
        await observe.SetAsync("test.gated.preset", LogEvent.Error);
        try
        {
            Assert.Equal(new EffectiveObserveSettings(LogEvent.Debug, "global"), await observe.GetAsync("test.src.responder"));
            Assert.Equal(new EffectiveObserveSettings(LogEvent.Error, "agent"), await observe.GetAsync("test.gated.preset"));
            var config = await observe.ConfigAsync();
            Assert.Equal(LogEvent.Debug, config.Global);
            Assert.Equal(LogEvent.Error, config.Agents["test.gated.preset"]);
            Assert.False(config.Agents.ContainsKey(MeshObserve.GlobalKey));

            // The host follows the bucket live: debug request events appear on the tail once it has seen the change.
            await using var tail = await observe.TailAsync("test.src.responder", LogEvent.Debug);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var events = tail.GetAsyncEnumerator(cts.Token);
            var next = events.MoveNextAsync().AsTask();
            while (!next.IsCompleted)
            {
                await mesh.Client.CallAsync<string>("test.src.responder", new Reading("r", 1));
                await Task.WhenAny(next, Task.Delay(50, cts.Token));
            }

            Assert.True(await next);
            Assert.Equal("test.src.responder", events.Current.Agent);
            Assert.True(events.Current.Event is "request_received" or "request_completed", events.Current.Event);
            Assert.Equal(LogEvent.Debug, events.Current.Level);
            await events.DisposeAsync();
        }
        finally
        {
            await observe.SetGlobalAsync(LogEvent.Info);
            await observe.SetAsync("test.gated.preset", LogEvent.Info);
        }
    }
}
