namespace OamOrleans.Mcp.Tests;

public sealed record LateIn(int A, int B);

public sealed record LateOut(int Sum);

/// <summary>Hosted only by the second silo of the list-changed test: it joins the mesh after <c>oam mcp serve</c> started.</summary>
[Agent("mcptest.late", Description = "Adds two numbers (hosted by a silo that joins later).")]
public sealed class LateAgent : Agent<LateIn, LateOut>
{
    protected override Task<LateOut> HandleAsync(LateIn input, AgentContext context) => Task.FromResult(new LateOut(input.A + input.B));
}
