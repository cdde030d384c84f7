namespace OamOrleans.Samples.Agents;

/// <summary>
/// Input of <c>demo.counter</c>. A client that cannot set the <c>X-Mesh-Conversation-Id</c> header picks its
/// conversation with the <c>conversation</c> property instead.
/// </summary>
public sealed record CounterIn([property: ConversationKey] string? Conversation = null);

public sealed record CounterOut(int Count, string ConversationId);

public sealed class CounterState
{
    public int Turns { get; set; }
}

/// <summary><c>demo.counter</c>: counts the turns of each conversation; the count survives deactivation and restarts.</summary>
[Agent("demo.counter", Description = "Counts the turns of each conversation.", Tags = ["demo", "stateful"])]
public sealed class CounterAgent : ConversationalAgent<CounterIn, CounterOut, CounterState>
{
    protected override Task<CounterOut> HandleAsync(CounterIn input, AgentContext context)
    {
        State.Turns++;
        return Task.FromResult(new CounterOut(State.Turns, context.ConversationId));
    }
}
