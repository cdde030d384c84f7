using System.Globalization;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// Writes every message a host sends on NATS — replies, error envelopes, stream and event frames — with exactly the
/// reference's headers (§3.2, §3.3, §5). Used by the bridge and by agent grains, which publish their stream and event
/// frames from the silo they run on, so frames of one stream leave in order over one connection.
/// </summary>
internal sealed class MeshPublisher(SiloMeshConnection mesh) : Pipeline.IMeshOutbox
{
    public string InstanceId => mesh.InstanceId;

    /// <summary>Largest body that fits the server's max_payload with room for headers.</summary>
    public int MaxBody => (mesh.Connection.ServerInfo?.MaxPayload ?? int.MaxValue) - 1024;

    public ValueTask ReplyAsync(string replyTo, string agent, string requestId, string? conversation, byte[] body, string? usage)
    {
        var headers = new NatsHeaders(6) // sized for all six: no dictionary resize per reply
        {
            [MeshHeaders.Status] = MeshHeaders.StatusOk,
            [MeshHeaders.Source] = agent,
            [MeshHeaders.RequestId] = HeaderValue(requestId),
            [MeshHeaders.InstanceId] = mesh.InstanceId,
        };
        AddOptional(headers, MeshHeaders.Usage, usage);
        AddOptional(headers, MeshHeaders.ConversationId, conversation);
        return mesh.Connection.PublishAsync(replyTo, body, headers);
    }

    /// <summary>
    /// Answers a request with an error: a stream request on its stream subject when its id makes a valid subject
    /// (§5.4, the rule the prepare step checks), else on <paramref name="replyTo"/>; and always on <c>mesh.errors</c>.
    /// </summary>
    public ValueTask ErrorToCallerAsync(ErrorEnvelope error, string requestId, string? replyTo, bool stream, string? conversation) =>
        stream && AgentName.IsValid(requestId)
            ? ErrorAsync(error, requestId, replyTo: null, MeshSubjects.Stream(requestId), conversation)
            : ErrorAsync(error, requestId, replyTo, streamSubject: null, conversation);

    /// <summary>
    /// Routes an agent-side error (§3.3): to the stream subject as an error frame when <paramref name="streamSubject"/>
    /// is set, else to <paramref name="replyTo"/> when set; and always to <c>mesh.errors.{agent}</c>.
    /// A null <paramref name="requestId"/> (publishers) leaves the request id header out.
    /// </summary>
    public async ValueTask ErrorAsync(ErrorEnvelope error, string? requestId, string? replyTo, string? streamSubject, string? conversation)
    {
        var body = error.ToJsonBytes();
        if (body.Length > MaxBody)
        {
            // Details quoting a huge input must not cost the caller its answer: send the envelope without them.
            var message = error.Message.Length <= 1024 ? error.Message : error.Message[..1024] + "...";
            body = (error with { Message = message, Details = ErrorEnvelope.NoDetails }).ToJsonBytes();
        }

        if (streamSubject is not null)
        {
            var frame = ErrorHeaders(requestId, conversation);
            frame[MeshHeaders.StreamEnd] = MeshHeaders.True;
            await mesh.Connection.PublishAsync(streamSubject, body, frame);
        }
        else if (replyTo is not null)
        {
            await mesh.Connection.PublishAsync(replyTo, body, ErrorHeaders(requestId, conversation));
        }

        try
        {
            await mesh.Connection.PublishAsync(MeshSubjects.Errors(error.Agent), body, ErrorHeaders(requestId, conversation));
        }
        catch (NatsException)
        {
            // The dead letter is a best-effort live feed (§5.5); the caller has had its answer.
        }
    }

    /// <summary>A data frame of a stream or publisher: <c>X-Mesh-Stream-Seq: n</c>, <c>X-Mesh-Stream-End: false</c>.</summary>
    public ValueTask FrameAsync(string subject, long seq, byte[] body, string? requestId) =>
        mesh.Connection.PublishAsync(subject, body, FrameHeaders(seq, end: false, requestId, usage: null));

    /// <summary>The end frame: empty body, the chunk count as sequence, optional usage.</summary>
    public ValueTask EndAsync(string subject, long count, string? requestId, string? usage) =>
        mesh.Connection.PublishAsync(subject, Array.Empty<byte>(), FrameHeaders(count, end: true, requestId, usage));

    public ValueTask LogAsync(LogEvent log) =>
        mesh.Connection.PublishAsync(MeshSubjects.Logs(log.Agent), log.ToJsonBytes(), new NatsHeaders { [MeshHeaders.InstanceId] = mesh.InstanceId });

    /// <summary>A heartbeat on <c>mesh.health.{agent}</c>, with this instance's id header.</summary>
    public ValueTask HealthAsync(HealthBeat beat) =>
        mesh.Connection.PublishAsync(MeshSubjects.Health(beat.Agent), beat.ToJsonBytes(), new NatsHeaders { [MeshHeaders.InstanceId] = mesh.InstanceId });

    private NatsHeaders ErrorHeaders(string? requestId, string? conversation)
    {
        var headers = new NatsHeaders { [MeshHeaders.Status] = MeshHeaders.StatusError };
        AddOptional(headers, MeshHeaders.RequestId, requestId);
        headers[MeshHeaders.InstanceId] = mesh.InstanceId;
        AddOptional(headers, MeshHeaders.ConversationId, conversation);
        return headers;
    }

    private NatsHeaders FrameHeaders(long seq, bool end, string? requestId, string? usage)
    {
        var headers = new NatsHeaders
        {
            [MeshHeaders.StreamSeq] = seq.ToString(CultureInfo.InvariantCulture),
            [MeshHeaders.StreamEnd] = end ? MeshHeaders.True : MeshHeaders.False,
        };
        AddOptional(headers, MeshHeaders.RequestId, requestId);
        headers[MeshHeaders.InstanceId] = mesh.InstanceId;
        AddOptional(headers, MeshHeaders.Usage, usage);
        return headers;
    }

    private static void AddOptional(NatsHeaders headers, string name, string? value)
    {
        if (value is not null)
        {
            headers[name] = HeaderValue(value);
        }
    }

    /// <summary>
    /// A value echoed from a request (request id, conversation id) as a header can carry it: NATS headers are visible
    /// ASCII (RFC 9110), and a CR, LF or other control character would break the header block, so each such character
    /// becomes <c>?</c>. The envelope's <c>request_id</c> keeps the exact text.
    /// </summary>
    private static string HeaderValue(string value)
    {
        if (!value.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return value;
        }

        return string.Create(value.Length, value, static (chars, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                chars[i] = text[i] is >= ' ' and <= '~' ? text[i] : '?';
            }
        });
    }
}
