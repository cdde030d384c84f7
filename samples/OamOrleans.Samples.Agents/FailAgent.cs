namespace OamOrleans.Samples.Agents;

/// <summary><c>demo.fail</c>: always throws, to show <c>handler_error</c> on the reply and on <c>mesh.errors.demo.fail</c>.</summary>
[Agent("demo.fail", Description = "Always fails, to demonstrate handler_error.", Tags = ["demo"])]
public sealed class FailAgent : Agent<EchoIn, EchoOut>
{
    protected override Task<EchoOut> HandleAsync(EchoIn input, AgentContext context) =>
        throw new InvalidOperationException($"demo.fail refused '{input.Message}'");
}
