namespace OamOrleans.Samples.Agents;

/// <summary>
/// <c>demo.shout</c>: calls <c>demo.echo</c> by name (through Orleans when it is hosted in the cluster, else over NATS)
/// and shouts the answer.
/// </summary>
[Agent("demo.shout", Description = "Asks demo.echo, then shouts its reply.", Tags = ["demo", "text"])]
public sealed class ShoutAgent : Agent<EchoIn, EchoOut>
{
    protected override async Task<EchoOut> HandleAsync(EchoIn input, AgentContext context)
    {
        var echoed = await context.Mesh.CallAsync<EchoOut>("demo.echo", input);
        return new EchoOut(echoed.Reply.ToUpperInvariant() + "!");
    }
}
