using Microsoft.Extensions.DependencyInjection;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using static OamOrleans.Runtime.Tests.Bytes;

namespace OamOrleans.Runtime.Tests;

/// <summary>Lifecycle gates (§7.3): registered while closed, subscribed only while open, drained on close.</summary>
[Collection(SourceGateCollection.Name)]
[Trait("Category", "Integration")]
public sealed class GateTests(SourceGateFixture mesh)
{
    [Fact]
    public async Task Closed_kv_gate_keeps_the_agent_registered_but_unserved_opens_on_put_and_drains_in_flight_requests_on_close()
    {
        await using var logs = await LogTail.StartAsync(mesh.Raw, "test.gated.kv", () => KvGatedAgent.Running);

        // Closed at start (no value, initial false): in catalog and registry, but nobody answers → not_available.
        Assert.Contains(await mesh.Client.CatalogAsync(), e => e.Name == "test.gated.kv" && e.Invocable);
        var registry = await mesh.Raw.CreateKeyValueStoreContext().GetStoreAsync("mesh-registry");
        Assert.NotNull((await registry.GetEntryAsync<byte[]>("test.gated.kv")).Value);
        await AssertUnservedAsync("test.gated.kv", 0);

        // Open.
        await mesh.Client.Kv.PutAsync("gates.kv", "true");
        await logs.WaitAsync("agent_activated");
        Assert.Equal("slept 0", await mesh.Client.CallAsync<string>("test.gated.kv", 0));

        // Close while a request runs: it finishes, then the agent is deactivated and nobody answers.
        var inFlight = mesh.Client.CallAsync<string>("test.gated.kv", 1500).AsTask();
        await SourceSink.WaitAsync(() => KvGatedAgent.Running == 1, "the request to be running");
        await mesh.Client.Kv.PutAsync("gates.kv", "false");
        Assert.Equal("slept 1500", await inFlight);
        await logs.WaitAsync("agent_deactivated");
        Assert.Equal([0], logs.ProbesAt("agent_deactivated")); // published only once the running handler had finished
        await AssertUnservedAsync("test.gated.kv", 0);

        // A delete closes too (null value → falsy); reopening works again.
        await mesh.Client.Kv.PutAsync("gates.kv", "1");
        await logs.WaitAsync("agent_activated", 2);
        Assert.Equal("slept 0", await mesh.Client.CallAsync<string>("test.gated.kv", 0));
        await mesh.Client.Kv.DeleteAsync("gates.kv");
        await logs.WaitAsync("agent_deactivated", 2);
        await AssertUnservedAsync("test.gated.kv", 0);
    }

    [Fact]
    public async Task In_cluster_calls_by_name_see_a_closed_gate_as_not_available_and_a_source_only_agent_as_not_callable()
    {
        var agentMesh = mesh.Silos.ServicesOf(0).GetRequiredService<IAgentMesh>();
        await Assert.ThrowsAsync<NotAvailableException>(() => agentMesh.CallAsync<string>("test.gated.subject", "x"));
        var mismatch = await Assert.ThrowsAsync<InvocationMismatchException>(() => agentMesh.CallAsync<string>("test.src.raw", "x"));
        Assert.Contains("background task", mismatch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closing_gate_stops_waiting_after_its_drain_timeout_and_the_abandoned_request_still_answers()
    {
        await using var logs = await LogTail.StartAsync(mesh.Raw, "test.gated.short", () => ShortDrainGatedAgent.Running);
        await mesh.Client.Kv.PutAsync("gates.short", "true");
        await logs.WaitAsync("agent_activated");

        var slow = mesh.Client.CallAsync<string>("test.gated.short", 2000).AsTask();
        await SourceSink.WaitAsync(() => ShortDrainGatedAgent.Running == 1, "the request to be running");
        await mesh.Client.Kv.PutAsync("gates.short", "false");
        await logs.WaitAsync("agent_deactivated");

        Assert.Equal([1], logs.ProbesAt("agent_deactivated")); // deactivated after 0.3 s, the handler still running
        await AssertUnservedAsync("test.gated.short", 0);
        Assert.Equal("slept 2000", await slow); // the drain only stopped waiting: the late reply still arrives
    }

    [Fact]
    public async Task Subject_gate_follows_control_messages()
    {
        await using var logs = await LogTail.StartAsync(mesh.Raw, "test.gated.subject");
        await AssertUnservedAsync("test.gated.subject", "x");

        await mesh.Raw.PublishAsync("gates.control", Utf8("on"));
        await logs.WaitAsync("agent_activated");
        Assert.Equal("gated x", await mesh.Client.CallAsync<string>("test.gated.subject", "x"));

        await mesh.Raw.PublishAsync("gates.control", Utf8("off"));
        await logs.WaitAsync("agent_deactivated");
        await AssertUnservedAsync("test.gated.subject", "x");
    }

    [Fact]
    public async Task Gate_with_initial_true_is_open_before_any_value_and_closes_on_a_falsy_one()
    {
        Assert.Equal("open x", await mesh.Client.CallAsync<string>("test.gated.initial", "x"));

        await using var logs = await LogTail.StartAsync(mesh.Raw, "test.gated.initial");
        await mesh.Client.Kv.PutAsync("gates.initial", "false");
        await logs.WaitAsync("agent_deactivated");
        await AssertUnservedAsync("test.gated.initial", "x");
    }

    [Fact]
    public async Task Gate_reads_the_value_already_in_the_bucket_at_start_with_a_custom_condition()
    {
        // gates.preset = "go" was written before the silo started; OpenOnGo opens on it.
        Assert.Equal("preset x", await mesh.Client.CallAsync<string>("test.gated.preset", "x"));
    }

    /// <summary>One attempt, no retries: a closed gate answers not_available at once (retries would wait out the deadline).</summary>
    private Task<NotAvailableException> AssertUnservedAsync(string agent, object payload) =>
        Assert.ThrowsAsync<NotAvailableException>(() =>
            mesh.Client.CallAsync<string>(agent, payload, new CallOptions { Retry = MeshRetryOptions.None }).AsTask());
}
