using System.Text.Json;
using OamOrleans.Client;
using OamOrleans.Samples.Cookbook.LifecycleGated;

namespace OamOrleans.Cookbook.Tests;

/// <summary>
/// Recipe 12, lifecycle-gated-agents.md, as the reference runs it: <c>fleet.intake</c> queues reports while the gated
/// <c>fleet.dispatcher</c> is offline; one KV key brings the dispatcher online on both silos and takes it offline again.
/// </summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class LifecycleGatedTests(CookbookMesh mesh)
{
    [Fact]
    public async Task Reports_are_queued_while_no_incident_is_active_and_dispatched_once_the_key_says_active()
    {
        var location = CookbookMesh.Unique("ridge");
        await mesh.Client.Kv.DeleteAsync(IncidentActive.Key);
        await Poll.UntilAsync(() => IsOfflineAsync(), "the dispatcher is offline");

        var queued = await mesh.Client.CallAsync<Dispatch>(IntakeAgent.Name, new SmokeReport(location));
        Assert.Equal(IntakeAgent.Queued, queued.Action);
        Assert.Equal(new SmokeReport(location), await mesh.Client.Kv.GetJsonAsync<SmokeReport>($"queued.{location}"));

        await mesh.Client.Kv.PutAsync(IncidentActive.Key, "\"active\"");   // the JSON string, quotes included
        // As the reference's caller does: ask again every 50 ms until the gate has opened where the call lands.
        Dispatch? dispatched = null;
        await Poll.UntilAsync(
            async () => (dispatched = await mesh.Client.CallAsync<Dispatch>(IntakeAgent.Name, new SmokeReport(location))).Action != IntakeAgent.Queued,
            "the intake dispatches instead of queueing",
            interval: TimeSpan.FromMilliseconds(50));
        Assert.Equal($"units to {location}", dispatched!.Action);

        await mesh.Client.Kv.PutAsync(IncidentActive.Key, "\"contained\"");
        await Poll.UntilAsync(() => IsOfflineAsync(), "the dispatcher goes offline again", interval: TimeSpan.FromMilliseconds(50));
        Assert.Contains((await mesh.Client.CatalogAsync()).Select(e => e.Name), n => n == DispatcherAgent.Name);   // offline, not gone
    }

    [Fact]
    public void Only_the_json_string_active_opens_the_gate()
    {
        var gate = new IncidentActive();
        Assert.True(gate.IsOpen(JsonSerializer.SerializeToUtf8Bytes("active")));
        Assert.False(gate.IsOpen(null));
        Assert.False(gate.IsOpen("active"u8.ToArray()));   // bare text, not JSON
        Assert.False(gate.IsOpen(JsonSerializer.SerializeToUtf8Bytes("contained")));
    }

    /// <summary>A direct call gets <c>not_available</c> while the gate is closed (on whichever silo answers).</summary>
    private async Task<bool> IsOfflineAsync()
    {
        try
        {
            await mesh.Client.CallAsync<Dispatch>(DispatcherAgent.Name, new SmokeReport("probe"), new CallOptions { Retry = MeshRetryOptions.None, Timeout = TimeSpan.FromSeconds(5) });
            return false;
        }
        catch (NotAvailableException)
        {
            return true;
        }
    }
}
