using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>A successful reply as it came off the wire: the body bytes and the NATS headers.</summary>
public sealed class MeshReply
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    internal MeshReply(string requestId, ReadOnlyMemory<byte> body, NatsHeaders headers)
    {
        RequestId = requestId;
        Body = body;
        Headers = headers;
    }

    /// <summary>The caller's request id (<c>X-Mesh-Request-Id</c> of the request).</summary>
    public string RequestId { get; }

    /// <summary>The reply body, UTF-8 JSON as sent by the agent (possibly empty).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>All reply headers (never null; empty when the agent sent none).</summary>
    public NatsHeaders Headers { get; }

    /// <summary>The responding agent (<c>X-Mesh-Source</c>), when present.</summary>
    public string? Source => Header(MeshHeaders.Source);

    /// <summary>The responder's instance id (<c>X-Mesh-Instance-Id</c>), when present.</summary>
    public string? InstanceId => Header(MeshHeaders.InstanceId);

    /// <summary>The usage the handler reported (<c>X-Mesh-Usage</c>), or null when it reported none.</summary>
    public MeshUsage? Usage => MeshUsage.Parse(Header(MeshHeaders.Usage));

    /// <summary>The body as JSON; an empty body reads as <c>{}</c>, like the reference callers.</summary>
    public ReadOnlyMemory<byte> Json => Body.IsEmpty ? EmptyObject : Body;

    /// <summary>Deserializes the body (an empty body as <c>{}</c>) with <paramref name="options"/> or <see cref="MeshJson.Options"/>.</summary>
    public T? Deserialize<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Json.Span, options ?? MeshJson.Options);

    /// <summary>The value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) && v.Count > 0 ? v.ToString() : null;
}
