namespace OamOrleans.Samples.Agents;

/// <summary>
/// <c>demo.upper</c>: upper-cases a string, but only while the shared-context key <c>flags.demo.upper</c> is truthy
/// (a lifecycle gate). Closed, it stays in the catalog and callers get <c>not_available</c>. Try:
/// <c>oam kv put flags.demo.upper true</c>, <c>oam agent call demo.upper '"hi"'</c>, <c>oam kv put flags.demo.upper false</c>.
/// </summary>
[Agent("demo.upper", Description = "Upper-cases text while the flags.demo.upper flag is on (a gated agent).", Tags = ["demo", "text"])]
[ActiveWhen(Kv = "flags.demo.upper", DrainTimeoutSeconds = 10)]
public sealed class UpperAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) =>
        Task.FromResult(input.ToUpperInvariant());
}
