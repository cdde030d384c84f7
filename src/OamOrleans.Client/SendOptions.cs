using System.Text.Json;

namespace OamOrleans.Client;

/// <summary>
/// Options of <see cref="MeshClient.SendAsync"/>. Three modes, like the reference's <c>send()</c>:
/// <list type="bullet">
/// <item>fire-and-forget: no callbacks and no <see cref="ReplyTo"/> (the request has no reply subject; the result is dropped);</item>
/// <item>managed: <see cref="OnReply"/> and/or <see cref="OnError"/> (reply subject <c>mesh.results.{request_id}</c>);</item>
/// <item>manual: <see cref="ReplyTo"/> (NATS reply subject and <c>X-Mesh-Reply-To</c> header; the caller subscribes itself).</item>
/// </list>
/// <see cref="ReplyTo"/> and the callbacks are mutually exclusive.
/// </summary>
public sealed record SendOptions
{
    /// <summary>
    /// Managed mode: called with each successful reply. A plain responder reply (no <c>X-Mesh-Stream-Seq</c>) ends the
    /// send after one call, like the TypeScript SDK (the Python SDK's spurious timeout after a reply does not happen);
    /// sequenced frames are delivered until the end frame (an empty end frame is not delivered).
    /// </summary>
    public Func<MeshFrame, ValueTask>? OnReply { get; init; }

    /// <summary>
    /// Managed mode: called once with the typed error when the agent answers <c>X-Mesh-Status: error</c>, or with a
    /// <see cref="MeshTimeoutException"/> when nothing arrives within <see cref="Timeout"/>. Ends the send.
    /// </summary>
    public Func<MeshException, ValueTask>? OnError { get; init; }

    /// <summary>Manual mode: the reply subject (conventionally <c>mesh.results.{uuid}</c>); the caller subscribes to it.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>Managed mode inactivity timeout; <see cref="MeshClientOptions.SendTimeout"/> (60 s) when null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>OamOrleans extension: sent as <c>X-Mesh-Conversation-Id</c>. Other OpenAgentMesh hosts ignore it.</summary>
    public string? ConversationId { get; init; }

    /// <summary>Extra request headers; they win over the client's own, except <c>X-Mesh-Request-Id</c> and <c>X-Mesh-Reply-To</c>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>JSON settings for the payload; the client's when null.</summary>
    public JsonSerializerOptions? JsonOptions { get; init; }
}
