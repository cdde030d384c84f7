namespace OamOrleans.Samples.Agents;

public sealed record EchoIn(string Message);

public sealed record EchoOut(string Reply);

/// <summary><c>demo.echo</c>: <c>{"message": string}</c> → <c>{"reply": string}</c>.</summary>
[Agent("demo.echo", Description = "Echoes a message.", Version = "1.0.0", Tags = ["demo", "text"])]
public sealed class EchoAgent : Agent<EchoIn, EchoOut>
{
    protected override Task<EchoOut> HandleAsync(EchoIn input, AgentContext context) =>
        Task.FromResult(new EchoOut($"Echo: {input.Message}"));
}
