namespace OamSilo.Agents;

public sealed record EchoIn(string Message);

public sealed record EchoOut(string Reply);

/// <summary>A stateless agent: runs as an Orleans stateless worker, so it scales across cores.</summary>
[Agent("oamchannel.echo", Description = "Echoes a message.", Tags = ["oamchannel"])]
public sealed class EchoAgent : Agent<EchoIn, EchoOut>
{
    protected override Task<EchoOut> HandleAsync(EchoIn input, AgentContext context) =>
        Task.FromResult(new EchoOut($"Echo: {input.Message}"));
}
