using OamOrleans.Protocol;

namespace OamOrleans.Pipeline;

/// <summary>
/// What the request pipeline, the shedder and the log gate send on NATS: replies, error envelopes and log events.
/// <see cref="Bridge.MeshPublisher"/> writes them with the reference's headers; the seam lets the pipeline's rules
/// (one answer per caller, errors to every caller of a failed batch) be tested without a server.
/// </summary>
internal interface IMeshOutbox
{
    /// <summary>Largest body that fits the server's max_payload with room for headers.</summary>
    int MaxBody { get; }

    ValueTask ReplyAsync(string replyTo, string agent, string requestId, string? conversation, byte[] body, string? usage);

    /// <summary>An error to the caller (its stream subject for a stream request, else its reply subject) and to <c>mesh.errors</c>.</summary>
    ValueTask ErrorToCallerAsync(ErrorEnvelope error, string requestId, string? replyTo, bool stream, string? conversation);

    ValueTask LogAsync(LogEvent log);
}
