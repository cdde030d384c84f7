namespace OamOrleans.Internal;

/// <summary>A request as it reaches an agent grain: the JSON body and the mesh metadata.</summary>
[GenerateSerializer, Immutable, Alias("oam.AgentRequest")]
public sealed record AgentRequest(
    [property: Id(0)] byte[] Body,
    [property: Id(1)] string RequestId,
    [property: Id(2)] string ConversationId)
{
    /// <summary>
    /// Set by this silo's request pipeline once the request passed its checks. Not serialized: a request from another
    /// silo or a typed grain reference always arrives unprepared and the grain runs the checks itself, while a local call
    /// (Orleans passes an immutable argument by reference within a silo) is not checked twice. No caller can claim it.
    /// </summary>
    [field: NonSerialized]
    internal bool Prepared { get; init; }
}
