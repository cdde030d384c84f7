namespace OamOrleans.Samples.Agents;

public sealed record ClockOut(string Utc);

/// <summary><c>demo.clock</c>: a trigger (no input) that returns the silo's UTC time.</summary>
[Agent("demo.clock", Description = "Tells the time (a trigger: no input).", Tags = ["demo"])]
public sealed class ClockAgent(TimeProvider time) : TriggerAgent<ClockOut>
{
    protected override Task<ClockOut> HandleAsync(AgentContext context) =>
        Task.FromResult(new ClockOut(time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
}
