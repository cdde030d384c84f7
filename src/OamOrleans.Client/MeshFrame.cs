using System.Globalization;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// One message as it came off the wire: a reply (<see cref="MeshClient.CallRawAsync"/>, <see cref="SendOptions.OnReply"/>),
/// a stream chunk (<see cref="MeshClient.StreamRawAsync"/>), an event or raw message
/// (<see cref="MeshClient.SubscribeRawAsync"/>), or a stream's end frame (<see cref="MeshStream.EndFrame"/>).
/// </summary>
public sealed class MeshFrame
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    private readonly string? _requestId;

    internal MeshFrame(string subject, string? replyTo, ReadOnlyMemory<byte> body, NatsHeaders? headers, string? requestId = null)
    {
        _requestId = requestId;
        Subject = subject;
        ReplyTo = replyTo;
        Body = body;
        Headers = headers ?? [];
    }

    /// <summary>The NATS subject the message arrived on.</summary>
    public string Subject { get; }

    /// <summary>The NATS reply subject, when the sender set one (e.g. a raw request seen by a channel subscription).</summary>
    public string? ReplyTo { get; }

    /// <summary>The body as sent (possibly empty).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>All headers (never null; empty when the sender set none).</summary>
    public NatsHeaders Headers { get; }

    /// <summary><c>X-Mesh-Stream-Seq</c> as a number; null when absent or not a number.</summary>
    public long? Sequence =>
        long.TryParse(Header(MeshHeaders.StreamSeq), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : null;

    /// <summary>True when <c>X-Mesh-Stream-End: true</c> (end frames and error frames).</summary>
    public bool IsEnd => Header(MeshHeaders.StreamEnd) == MeshHeaders.True;

    /// <summary>True when <c>X-Mesh-Status: error</c>: the body is an error envelope.</summary>
    public bool IsError => Header(MeshHeaders.Status) == MeshHeaders.StatusError;

    /// <summary>
    /// The request id: for a reply, the caller's own (<c>X-Mesh-Request-Id</c> of the request); otherwise the frame's
    /// <c>X-Mesh-Request-Id</c>, when present (publisher events carry none).
    /// </summary>
    public string? RequestId => _requestId ?? Header(MeshHeaders.RequestId);

    /// <summary>The responding agent (<c>X-Mesh-Source</c>), when present.</summary>
    public string? Source => Header(MeshHeaders.Source);

    /// <summary>The sender's <c>X-Mesh-Instance-Id</c>, when present.</summary>
    public string? InstanceId => Header(MeshHeaders.InstanceId);

    /// <summary><c>X-Mesh-Content-Type</c> of a raw <c>publish()</c> message, when present.</summary>
    public string? ContentType => Header(MeshHeaders.ContentType);

    /// <summary><c>X-Mesh-Usage</c> (on a reply or a stream's end frame when the handler reported usage), or null.</summary>
    public MeshUsage? Usage => MeshUsage.Parse(Header(MeshHeaders.Usage));

    /// <summary>The body as JSON; an empty body reads as <c>{}</c>, like the reference callers.</summary>
    public ReadOnlyMemory<byte> Json => Body.IsEmpty ? EmptyObject : Body;

    /// <summary>The body decoded as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body.Span);

    /// <summary>Deserializes the body (an empty body as <c>{}</c>) with <paramref name="options"/> or <see cref="MeshJson.Options"/>.</summary>
    public T? Deserialize<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Json.Span, options ?? MeshJson.Options);

    /// <summary>The value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) && v.Count > 0 ? v.ToString() : null;

    internal static MeshFrame From(in NatsMsg<byte[]> msg) => new(msg.Subject, msg.ReplyTo, msg.Data ?? [], msg.Headers);

    /// <summary>A reply to the caller's request <paramref name="requestId"/>.</summary>
    internal static MeshFrame Reply(in NatsMsg<byte[]> msg, string requestId) => new(msg.Subject, msg.ReplyTo, msg.Data ?? [], msg.Headers, requestId);
}
