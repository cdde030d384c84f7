namespace OamOrleans.AdminUi.Tests;

/// <summary>A test agent hosted by a silo that one test starts and stops, to watch its live dot go out.</summary>
[Agent("uitest.ephemeral", Description = "Lives as long as one test's silo.")]
public sealed class EphemeralAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) => Task.FromResult(input);
}
