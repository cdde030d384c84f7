namespace OamOrleans.Client;

/// <summary>
/// Which catalog agents become tools for a model (<see cref="MeshClient.GetAIFunctionsAsync"/>), and how they are called.
/// Only invocable, non-streaming agents are offered. The filters combine (an agent must pass all that are set).
/// </summary>
public sealed record MeshToolOptions
{
    /// <summary>Only agents of this channel (<c>demo</c> matches <c>demo.echo</c> and <c>demo.x.y</c>); null: any.</summary>
    public string? Channel { get; init; }

    /// <summary>Only agents that carry all of these tags; null or empty: any.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Only these agents (exact names); names not in the catalog are skipped. Null: any.</summary>
    public IReadOnlyList<string>? Names { get; init; }

    /// <summary>Deadline of each tool call; 30 s when null, like a call.</summary>
    public TimeSpan? CallTimeout { get; init; }
}
