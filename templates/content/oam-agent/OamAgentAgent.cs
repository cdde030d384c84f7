namespace OAM_NAMESPACE;

public sealed record OamAgentIn(string Text);

public sealed record OamAgentOut(string Result);

/// <summary>
/// The agent oam.agent.name: a stateless responder. Register it with silo.AddAgent&lt;OamAgentAgent&gt;() or
/// silo.AddAgentsFromAssembly(...). For per-conversation state derive from ConversationalAgent&lt;TIn, TOut, TState&gt;.
/// </summary>
[Agent("oam.agent.name", Description = "Describe what this agent does: models read it when they pick tools.")]
public sealed class OamAgentAgent : Agent<OamAgentIn, OamAgentOut>
{
    protected override Task<OamAgentOut> HandleAsync(OamAgentIn input, AgentContext context) =>
        Task.FromResult(new OamAgentOut(input.Text));
}
