namespace OamOrleans;

/// <summary>Where a request stands, as a middleware sees it.</summary>
public enum AgentInvocationStatus
{
    /// <summary>Not finished: before <c>next()</c> returned.</summary>
    Running,

    /// <summary>The agent answered with <see cref="AgentInvocation.Reply"/>.</summary>
    Replied,

    /// <summary>The request failed with <see cref="AgentInvocation.Error"/>.</summary>
    Failed,

    /// <summary>A stream ended normally after <see cref="AgentInvocation.StreamChunks"/> chunks.</summary>
    StreamEnded,
}
