namespace OamOrleans.Runtime.Tests;

public sealed record ExpiringIn(string Note = "");

public sealed record ExpiringOut(int Count);

public sealed class ExpiringState
{
    public int Count { get; set; }
}

/// <summary><c>test.expiring</c>: counts the turns of a conversation whose state is kept 2 seconds after its last turn.</summary>
[Agent("test.expiring", Description = "Counts turns; an idle conversation expires after 2 seconds.", StateTtl = "00:00:02")]
public sealed class ExpiringAgent : ConversationalAgent<ExpiringIn, ExpiringOut, ExpiringState>
{
    protected override Task<ExpiringOut> HandleAsync(ExpiringIn input, AgentContext context)
    {
        State.Count++;
        return Task.FromResult(new ExpiringOut(State.Count));
    }
}
