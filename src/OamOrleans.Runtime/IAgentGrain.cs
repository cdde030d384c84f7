namespace OamOrleans;

/// <summary>The grain interface of responder and trigger agents: one JSON request in, one JSON response out.</summary>
[Alias("oam.IAgentGrain")]
public interface IAgentGrain : IGrainWithStringKey
{
    [Alias("invoke")]
    Task<AgentResponse> InvokeAsync(AgentRequest request);

    /// <summary>
    /// Several requests in one grain call (the bridge batches what a stateless agent's subscription already holds):
    /// the handlers run concurrently, each exactly as <see cref="InvokeAsync"/> would run it; the responses come back in
    /// the order of <paramref name="requests"/>. Used for stateless agents only (a conversation's turns must not overlap).
    /// </summary>
    [Alias("invoke-batch")]
    Task<AgentResponse[]> InvokeBatchAsync(AgentRequest[] requests);
}

/// <summary>
/// The grain interface of streaming agents. The grain publishes its frames to <c>mesh.stream.{request_id}</c> itself, one
/// message per chunk as the chunks are produced, from the silo it runs on; the call returns when the stream has ended.
/// </summary>
[Alias("oam.IStreamingAgentGrain")]
public interface IStreamingAgentGrain : IGrainWithStringKey
{
    [Alias("stream"), ResponseTimeout("01:00:00")]
    Task<AgentResponse> StreamAsync(AgentRequest request, TimeSpan deadline);
}

/// <summary>The grain interface of publisher agents: one activation per silo runs the event generator in the background.</summary>
[Alias("oam.IPublisherAgentGrain")]
public interface IPublisherAgentGrain : IGrainWithStringKey
{
    [Alias("start")]
    Task StartAsync();

    [Alias("stop")]
    Task StopAsync();
}

/// <summary>
/// A request as it reaches an agent grain: the JSON body and the mesh metadata. <see cref="Validated"/>: the caller (the
/// bridge, or a call by name inside the silo that hosts the agent) already checked the body against the agent's input
/// schema; the grain checks any other request itself (a call from another silo, a typed grain reference).
/// </summary>
[GenerateSerializer, Immutable, Alias("oam.AgentRequest")]
public sealed record AgentRequest(
    [property: Id(0)] byte[] Body,
    [property: Id(1)] string RequestId,
    [property: Id(2)] string ConversationId,
    [property: Id(3)] bool Validated = false);

/// <summary>
/// An agent's answer: the output JSON, or an error code, message and JSON details. For streams the body is empty and
/// <see cref="Count"/> says how many chunks were sent.
/// </summary>
[GenerateSerializer, Immutable, Alias("oam.AgentResponse")]
public sealed record AgentResponse(
    [property: Id(0)] byte[] Body,
    [property: Id(1)] string? ErrorCode = null,
    [property: Id(2)] string? ErrorMessage = null,
    [property: Id(3)] string? Usage = null,
    [property: Id(4)] long Count = 0)
{
    public bool IsError => ErrorCode is not null;

    /// <summary>An error answer; <see cref="Body"/> holds the JSON <c>details</c> object.</summary>
    public static AgentResponse Error(string code, string message, byte[]? detailsJson = null) =>
        new(detailsJson ?? "{}"u8.ToArray(), code, message);
}
