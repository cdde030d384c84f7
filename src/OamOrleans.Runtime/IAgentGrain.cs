namespace OamOrleans;

/// <summary>The grain interface every agent grain implements: one JSON request in, one JSON response out.</summary>
[Alias("oam.IAgentGrain")]
public interface IAgentGrain : IGrainWithStringKey
{
    [Alias("invoke")]
    Task<AgentResponse> InvokeAsync(AgentRequest request);
}

/// <summary>A request as it reaches an agent grain: the validated JSON body and the mesh metadata.</summary>
[GenerateSerializer, Immutable, Alias("oam.AgentRequest")]
public sealed record AgentRequest(
    [property: Id(0)] byte[] Body,
    [property: Id(1)] string RequestId,
    [property: Id(2)] string ConversationId);

/// <summary>An agent's answer: the output JSON, or an error code, message and JSON details.</summary>
[GenerateSerializer, Immutable, Alias("oam.AgentResponse")]
public sealed record AgentResponse(
    [property: Id(0)] byte[] Body,
    [property: Id(1)] string? ErrorCode = null,
    [property: Id(2)] string? ErrorMessage = null)
{
    public bool IsError => ErrorCode is not null;

    /// <summary>An error answer; <see cref="Body"/> holds the JSON <c>details</c> object.</summary>
    public static AgentResponse Error(string code, string message, byte[]? detailsJson = null) =>
        new(detailsJson ?? "{}"u8.ToArray(), code, message);
}
