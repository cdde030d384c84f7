using System.Buffers;
using System.Text;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// A request taken off an agent subject, as the bridge needs it: where to reply, the four <c>X-Mesh-*</c> headers it
/// reads (first value wins, names compared ignoring case, as NATS.Net's header dictionary does), and the body.
/// </summary>
internal readonly record struct MeshRequest(string? ReplyTo, string? RequestId, string? Conversation, bool Stream, byte[] Body)
{
    private static readonly byte[] RequestIdName = Encoding.ASCII.GetBytes(MeshHeaders.RequestId);
    private static readonly byte[] ConversationName = Encoding.ASCII.GetBytes(MeshHeaders.ConversationId);
    private static readonly byte[] StreamName = Encoding.ASCII.GetBytes(MeshHeaders.Stream);
    private static readonly byte[] TimeoutName = Encoding.ASCII.GetBytes(MeshHeaders.Timeout);
    private static readonly byte[] TraceParentName = Encoding.ASCII.GetBytes(MeshDiagnostics.TraceParent);
    private static readonly byte[] TraceStateName = Encoding.ASCII.GetBytes(MeshDiagnostics.TraceState);

    /// <summary>The caller's deadline (<c>X-Mesh-Timeout</c>, seconds), when it sent a positive number.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The caller's W3C <c>traceparent</c>, read only while a tracer listens.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The caller's W3C <c>tracestate</c>, read only while a tracer listens.</summary>
    public string? TraceState { get; init; }

    /// <summary>Every header (first value wins, names ignoring case), read only when agent middleware is registered.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// Reads a message straight from the socket buffers (they belong to the reader: everything kept is copied).
    /// Only the headers the bridge uses become strings; a malformed header line is skipped, not thrown, so a bad
    /// publisher cannot end the agent's subscription that way.
    /// </summary>
    /// <param name="replyTo">The message's reply subject, if any.</param>
    /// <param name="headers">The raw header block, if the message has one.</param>
    /// <param name="payload">The raw body.</param>
    /// <param name="encoding">The encoding of the header block.</param>
    /// <param name="parts">What else to read: the trace context (for a listening tracer) and every header (for middleware).</param>
    public static MeshRequest Read(string? replyTo, ReadOnlySequence<byte>? headers, ReadOnlySequence<byte> payload, Encoding encoding, MeshRequestParts parts = MeshRequestParts.Mesh)
    {
        string? requestId = null, conversation = null, stream = null, traceParent = null, traceState = null;
        TimeSpan? timeout = null;
        Dictionary<string, string>? all = (parts & MeshRequestParts.AllHeaders) != 0 ? new(StringComparer.OrdinalIgnoreCase) : null;
        var trace = (parts & MeshRequestParts.Trace) != 0;
        if (headers is { IsEmpty: false } block)
        {
            var rented = block.IsSingleSegment ? null : ArrayPool<byte>.Shared.Rent((int)block.Length);
            try
            {
                var span = rented is null ? block.FirstSpan : rented.AsSpan(0, (int)block.Length);
                if (rented is not null)
                {
                    block.CopyTo(rented);
                }

                // The first line is the version (and status) line, "NATS/1.0[ code text]".
                var lineEnd = span.IndexOf("\r\n"u8);
                var rest = lineEnd < 0 ? default : span[(lineEnd + 2)..];
                while (!rest.IsEmpty)
                {
                    lineEnd = rest.IndexOf("\r\n"u8);
                    var line = lineEnd < 0 ? rest : rest[..lineEnd];
                    rest = lineEnd < 0 ? default : rest[(lineEnd + 2)..];
                    var colon = line.IndexOf((byte)':');
                    if (colon <= 0)
                    {
                        continue;
                    }

                    var name = line[..colon];
                    var value = line[(colon + 1)..].Trim(" \t"u8);
                    if (requestId is null && Ascii.EqualsIgnoreCase(name, RequestIdName))
                    {
                        requestId = encoding.GetString(value);
                    }
                    else if (conversation is null && Ascii.EqualsIgnoreCase(name, ConversationName))
                    {
                        conversation = encoding.GetString(value);
                    }
                    else if (stream is null && Ascii.EqualsIgnoreCase(name, StreamName))
                    {
                        stream = encoding.GetString(value);
                    }
                    else if (timeout is null && Ascii.EqualsIgnoreCase(name, TimeoutName))
                    {
                        timeout = ParseSeconds(value);
                    }
                    else if (trace && traceParent is null && Ascii.EqualsIgnoreCase(name, TraceParentName))
                    {
                        traceParent = encoding.GetString(value);
                    }
                    else if (trace && traceState is null && Ascii.EqualsIgnoreCase(name, TraceStateName))
                    {
                        traceState = encoding.GetString(value);
                    }

                    all?.TryAdd(encoding.GetString(name), encoding.GetString(value));
                }
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        return new MeshRequest(replyTo, requestId, conversation, stream == MeshHeaders.True, payload.IsEmpty ? [] : payload.ToArray())
        {
            Timeout = timeout,
            TraceParent = traceParent,
            TraceState = traceState,
            Headers = all,
        };
    }

    /// <summary>A positive, finite number of seconds (at most a day), else null: a bad value is ignored.</summary>
    private static TimeSpan? ParseSeconds(ReadOnlySpan<byte> value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && seconds > 0 && seconds <= TimeSpan.FromDays(1).TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : null;
}

/// <summary>The parts of a request's headers <see cref="MeshRequest.Read"/> turns into strings.</summary>
[Flags]
internal enum MeshRequestParts
{
    /// <summary>Only the four <c>X-Mesh-*</c> headers the bridge needs.</summary>
    Mesh = 0,

    /// <summary>Also <c>traceparent</c> and <c>tracestate</c>.</summary>
    Trace = 1,

    /// <summary>Also every header, for middleware.</summary>
    AllHeaders = 2,
}
