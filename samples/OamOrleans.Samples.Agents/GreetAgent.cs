namespace OamOrleans.Samples.Agents;

/// <summary><c>demo.greet</c>: a JSON string in, a JSON string out (<c>"Ann"</c> → <c>"Hello, Ann"</c>).</summary>
[Agent("demo.greet", Description = "Greets someone by name.", Tags = ["demo"])]
public sealed class GreetAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) =>
        Task.FromResult($"Hello, {input}");
}
