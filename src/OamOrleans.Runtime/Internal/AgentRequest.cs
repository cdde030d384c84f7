namespace OamOrleans.Internal;

/// <summary>A request as it reaches an agent grain: the JSON body, the mesh metadata and the time the caller gives it.</summary>
[GenerateSerializer, Immutable, Alias("oam.AgentRequest")]
internal sealed record AgentRequest(
    [property: Id(0)] byte[] Body,
    [property: Id(1)] string RequestId,
    [property: Id(2)] string ConversationId)
{
    /// <summary>
    /// How long the handler has, counted from when the caller sent the request: the caller's deadline (the
    /// <c>X-Mesh-Timeout</c> header, an in-cluster call's timeout) bounded by the host's
    /// <see cref="Hosting.MeshHostOptions.RequestTimeout"/>. It travels as data, not as a grain-call token, so it holds
    /// on whichever silo the grain runs, and costs nothing until a handler asks for <see cref="AgentContext.CancellationToken"/>.
    /// <see cref="TimeSpan.Zero"/> (a request made without one): no deadline.
    /// </summary>
    [Id(3)]
    public TimeSpan Timeout { get; init; }

    /// <summary>The NATS reply subject the request came with (<see cref="AgentContext.ReplyTo"/>); null for in-cluster calls.</summary>
    [Id(4)]
    public string? ReplyTo { get; init; }
}
