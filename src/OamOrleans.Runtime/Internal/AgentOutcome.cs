using System.Text.Json;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Internal;

/// <summary>How a request ended.</summary>
internal enum AgentOutcomeKind
{
    /// <summary>A call answered with output JSON.</summary>
    Reply,

    /// <summary>A protocol error: code, message, details.</summary>
    Error,

    /// <summary>A stream that ended normally after <see cref="AgentOutcome.Count"/> chunks.</summary>
    StreamEnd,
}

/// <summary>A protocol error (§3.3) before it gets an agent name and request id: code, message, details as JSON.</summary>
[GenerateSerializer, Immutable, Alias("oam.AgentError")]
internal sealed record AgentError(
    [property: Id(0)] string Code,
    [property: Id(1)] string Message,
    [property: Id(2)] byte[] DetailsJson)
{
    private static readonly byte[] NoDetails = "{}"u8.ToArray();

    /// <summary>An error with empty details (<c>{}</c>).</summary>
    public AgentError(string code, string message)
        : this(code, message, NoDetails)
    {
    }

    /// <summary>The envelope for <paramref name="agent"/>'s request <paramref name="requestId"/>.</summary>
    public ErrorEnvelope ToEnvelope(string agent, string requestId) =>
        new(Code, Message, agent, requestId, JsonDocument.Parse(DetailsJson).RootElement.Clone());

    /// <summary>The typed exception a caller of <paramref name="agent"/> sees.</summary>
    public MeshException ToException(string agent, string requestId) => MeshException.FromEnvelope(ToEnvelope(agent, requestId));

    /// <summary>The error a <see cref="MeshException"/> carries, details included.</summary>
    public static AgentError From(MeshException exception) =>
        new(exception.Code, exception.Message, JsonSerializer.SerializeToUtf8Bytes(exception.Details));
}

/// <summary>
/// The typed end of a request, whichever way it came in: a reply, an error, or a stream's end. <see cref="Delivered"/>
/// says the grain already published it (a stream's end or error frame leaves from the grain's silo, after its chunks).
/// </summary>
[GenerateSerializer, Immutable, Alias("oam.AgentOutcome")]
internal sealed record AgentOutcome(
    [property: Id(0)] AgentOutcomeKind Kind,
    [property: Id(1)] byte[] Body,
    [property: Id(2)] AgentError? Error = null,
    [property: Id(3)] string? Usage = null,
    [property: Id(4)] long Count = 0,
    [property: Id(5)] bool Delivered = false)
{
    /// <summary>True when the request ended with <see cref="Error"/>.</summary>
    public bool IsError => Kind == AgentOutcomeKind.Error;

    /// <summary>A reply with output <paramref name="body"/> (JSON) and the usage the handler reported, if any.</summary>
    public static AgentOutcome Reply(byte[] body, string? usage = null) => new(AgentOutcomeKind.Reply, body, Usage: usage);

    /// <summary>An error outcome, with any usage reported before the failure.</summary>
    public static AgentOutcome Failure(AgentError error, string? usage = null) => new(AgentOutcomeKind.Error, [], error, usage);

    /// <summary>An error outcome with <paramref name="code"/>, <paramref name="message"/> and no details.</summary>
    public static AgentOutcome Failure(string code, string message) => Failure(new AgentError(code, message));

    /// <summary>A stream that ended after <paramref name="count"/> chunks; its end frame was already published by the grain.</summary>
    public static AgentOutcome StreamEnded(long count, string? usage) => new(AgentOutcomeKind.StreamEnd, [], Usage: usage, Count: count, Delivered: true);
}
