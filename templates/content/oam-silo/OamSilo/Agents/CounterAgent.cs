namespace OamSilo.Agents;

/// <summary>
/// A client that cannot set the X-Mesh-Conversation-Id header picks its conversation with the "conversation" property.
/// </summary>
public sealed record CounterIn([property: ConversationKey] string? Conversation = null);

public sealed record CounterOut(int Count, string ConversationId);

public sealed class CounterState
{
    public int Turns { get; set; }
}

/// <summary>A conversational agent: one activation per conversation, its state saved before each reply leaves.</summary>
[Agent("oamchannel.counter", Description = "Counts the turns of each conversation.", Tags = ["oamchannel"])]
public sealed class CounterAgent : ConversationalAgent<CounterIn, CounterOut, CounterState>
{
    protected override Task<CounterOut> HandleAsync(CounterIn input, AgentContext context)
    {
        State.Turns++;
        return Task.FromResult(new CounterOut(State.Turns, context.ConversationId));
    }
}
