using System.Text.Json;
using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.LifecycleGated;

public sealed record SmokeReport(string Location);

public sealed record Dispatch(string Action);

/// <summary>The gate's condition: open only while <c>incident.mode</c> holds the JSON string <c>"active"</c>.</summary>
public sealed class IncidentActive : IGateCondition
{
    public const string Key = "incident.mode";

    public bool IsOpen(ReadOnlyMemory<byte>? value)
    {
        if (value is not { } bytes)
        {
            return false;
        }

        try
        {
            return JsonSerializer.Deserialize<string>(bytes.Span) == "active";
        }
        catch (JsonException)
        {
            return false;   // not JSON, or not a string: closed
        }
    }
}

#region FleetDispatcher
/// <summary>
/// <c>fleet.dispatcher</c>: online only during an incident. While the gate is closed it stays in the catalog and registry
/// but serves nothing, so callers get <c>not_available</c> ("offline for now"), not <c>not_found</c>.
/// </summary>
[Agent(Name, Description = "Dispatches units to a smoke report; online only while incident.mode is \"active\".", Tags = ["cookbook"])]
[ActiveWhen(Kv = IncidentActive.Key, Condition = typeof(IncidentActive))]
public sealed class DispatcherAgent : Agent<SmokeReport, Dispatch>
{
    public const string Name = "fleet.dispatcher";

    protected override Task<Dispatch> HandleAsync(SmokeReport input, AgentContext context) =>
        Task.FromResult(new Dispatch($"units to {input.Location}"));
}
#endregion

#region FleetIntake
/// <summary>
/// <c>fleet.intake</c>: always on. It hands reports to the dispatcher, and while the dispatcher is offline it queues the
/// report in <c>mesh-context</c> (<c>queued.{location}</c>) and says so, instead of failing.
/// </summary>
[Agent(Name, Description = "Takes smoke reports: dispatches them, or queues them while no incident is active.", Tags = ["cookbook"])]
public sealed class IntakeAgent(MeshClient mesh) : Agent<SmokeReport, Dispatch>
{
    public const string Name = "fleet.intake";

    public const string Queued = "queued until incident activates";

    protected override async Task<Dispatch> HandleAsync(SmokeReport input, AgentContext context)
    {
        try
        {
            return await context.Mesh.CallAsync<Dispatch>(DispatcherAgent.Name, input);   // in-cluster: a grain call
        }
        catch (NotAvailableException)
        {
            await mesh.Kv.PutJsonAsync($"queued.{input.Location}", input);
            return new Dispatch(Queued);
        }
    }
}
#endregion
