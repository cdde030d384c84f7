using System.Globalization;
using System.Text.Json;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// An OpenAgentMesh error (protocol §3.3): a <see cref="Code"/>, a message, the <see cref="Agent"/> involved, the
/// <see cref="RequestId"/> and free-form <see cref="Details"/>. Known codes raise a subclass; unknown codes raise this base
/// class with the code string kept, so newer agents stay readable.
/// </summary>
public class MeshException : Exception
{
    /// <summary>Creates an error with any code (unknown codes are allowed and kept).</summary>
    public MeshException(string code, string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = string.IsNullOrEmpty(code) ? MeshErrorCodes.MeshError : code;
        Agent = agent ?? "";
        RequestId = requestId ?? "";
        Details = details.ValueKind == JsonValueKind.Undefined ? ErrorEnvelope.NoDetails : details.Clone();
    }

    /// <summary>The wire code, e.g. <c>invalid_input</c>; <c>mesh_error</c> when the envelope had none.</summary>
    public string Code { get; }

    /// <summary>The agent the error is about (the target of the call when the envelope named none).</summary>
    public string Agent { get; }

    /// <summary>The request id: for errors of a call, the caller's own <c>X-Mesh-Request-Id</c>.</summary>
    public string RequestId { get; }

    /// <summary>Structured details; <c>{}</c> when there are none.</summary>
    public JsonElement Details { get; }

    /// <summary>The error as the wire envelope <c>{"code","message","agent","request_id","details"}</c>.</summary>
    public ErrorEnvelope ToEnvelope() => new(Code, Message, Agent, RequestId, Details);

    /// <summary>Reconstructs the typed error for an envelope: a subclass per known code, else the base class with the code kept.</summary>
    public static MeshException FromEnvelope(ErrorEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var (code, message, agent, rid, details) = (envelope.Code, envelope.Message, envelope.Agent, envelope.RequestId, envelope.Details);
        return code switch
        {
            MeshErrorCodes.InvalidInput => new InvalidInputException(message, agent, rid, details),
            MeshErrorCodes.HandlerError => new HandlerErrorException(message, agent, rid, details),
            MeshErrorCodes.InvocationMismatch => new InvocationMismatchException(message, agent, rid, details),
            MeshErrorCodes.NotFound => new NotFoundException(message, agent, rid, details),
            MeshErrorCodes.NotAvailable => new NotAvailableException(message, agent, rid, details),
            MeshErrorCodes.Timeout => new MeshTimeoutException(message, agent, rid, details),
            MeshErrorCodes.AgentDied => new AgentDiedException(message, agent, rid, details),
            MeshErrorCodes.ChunkSequenceError => new ChunkSequenceErrorException(message, agent, rid, details),
            MeshErrorCodes.ConnectionFailed => new ConnectionFailedException(message, agent, rid, details),
            MeshErrorCodes.ConnectionDenied => new ConnectionDeniedException(message, agent, rid, details),
            MeshErrorCodes.KvKeyExists => new KvKeyExistsException(message, agent, rid, details),
            _ => new MeshException(code, message, agent, rid, details),
        };
    }

    /// <summary>
    /// The typed error of an error reply or error frame (<c>X-Mesh-Status: error</c>). The envelope's agent wins; when it
    /// names none, <paramref name="agent"/> is used. A non-null <paramref name="requestId"/> replaces the envelope's (a
    /// caller's errors carry the caller's own id).
    /// </summary>
    internal static MeshException FromErrorReply(ReadOnlySpan<byte> body, string? agent, string? requestId, string fallbackCode = MeshErrorCodes.MeshError)
    {
        var envelope = ErrorEnvelope.Parse(body, fallbackCode);
        return FromEnvelope(envelope with
        {
            Agent = envelope.Agent.Length == 0 && agent is not null ? agent : envelope.Agent,
            RequestId = requestId ?? envelope.RequestId,
        });
    }

    internal static JsonElement DetailsOf(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, OamOrleans.Protocol.MeshJsonText.WriterOptions))
        {
            write(writer);
        }

        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }
}

/// <summary><c>invalid_input</c>: the payload failed the agent's input validation; <c>details.errors</c> lists why.</summary>
public sealed class InvalidInputException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.InvalidInput, message, agent, requestId, details, innerException);

/// <summary><c>handler_error</c>: the agent's handler threw.</summary>
public sealed class HandlerErrorException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.HandlerError, message, agent, requestId, details, innerException);

/// <summary><c>invocation_mismatch</c>: the verb does not fit the agent's shape (e.g. call to a streaming-only agent).</summary>
public sealed class InvocationMismatchException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.InvocationMismatch, message, agent, requestId, details, innerException);

/// <summary><c>not_found</c>: nobody serves the agent and it is not in the catalog, or its registry key is missing.</summary>
public sealed class NotFoundException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.NotFound, message, agent, requestId, details, innerException);

/// <summary><c>not_available</c>: the agent is in the catalog but nobody serves it right now (gate closed, draining).</summary>
public sealed class NotAvailableException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.NotAvailable, message, agent, requestId, details, innerException);

/// <summary><c>timeout</c>: no reply within the deadline. The message reads <c>No message on {subject} within {seconds}s</c>.</summary>
public sealed class MeshTimeoutException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.Timeout, message, agent, requestId, details, innerException)
{
    /// <summary>Creates the reference's timeout error for <paramref name="subject"/>.</summary>
    public MeshTimeoutException(string subject, TimeSpan timeout, string agent = "", string requestId = "")
        : this(MessageFor(subject, timeout), agent, requestId)
    {
    }

    /// <summary>The reference's message: seconds written like Python's <c>float</c> (<c>30.0</c>, <c>0.25</c>).</summary>
    public static string MessageFor(string subject, TimeSpan timeout)
    {
        var seconds = timeout.TotalSeconds;
        var text = seconds == Math.Floor(seconds)
            ? seconds.ToString("0.0", CultureInfo.InvariantCulture)
            : seconds.ToString("0.0##############", CultureInfo.InvariantCulture);
        return $"No message on {subject} within {text}s";
    }
}

/// <summary><c>agent_died</c>: a death notice for the target arrived during the call; <see cref="MeshException.Details"/> is the notice.</summary>
public sealed class AgentDiedException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.AgentDied, message, agent, requestId, details, innerException)
{
    /// <summary>The death notice carried in the details.</summary>
    public DeathNotice Notice => DeathNotice.Parse(JsonSerializer.SerializeToUtf8Bytes(Details));
}

/// <summary><c>chunk_sequence_error</c>: a stream frame carried an unexpected sequence number.</summary>
public sealed class ChunkSequenceErrorException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.ChunkSequenceError, message, agent, requestId, details, innerException)
{
    /// <summary>Creates the error with details <c>{"expected_seq": n, "got_seq": m}</c>.</summary>
    public ChunkSequenceErrorException(long expectedSeq, long gotSeq, string agent = "", string requestId = "")
        : this($"Expected chunk {expectedSeq}, got {gotSeq}", agent, requestId, DetailsOf(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("expected_seq", expectedSeq);
            w.WriteNumber("got_seq", gotSeq);
            w.WriteEndObject();
        }))
    {
    }
}

/// <summary><c>connection_failed</c>: the mesh cannot be reached or the connection is closed.</summary>
public sealed class ConnectionFailedException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.ConnectionFailed, message, agent, requestId, details, innerException);

/// <summary><c>connection_denied</c>: authentication was rejected, or a publish permission was violated.</summary>
public sealed class ConnectionDeniedException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
    : MeshException(MeshErrorCodes.ConnectionDenied, message, agent, requestId, details, innerException);

/// <summary>
/// The key is not where a write expected it. Code <c>kv_key_exists</c>: a create on a key that already exists; details
/// <c>{"key": k}</c>. Code <see cref="ConflictCode"/> (<c>kv_conflict</c>, client-only, never sent on the wire): a
/// compare-and-swap found the key changed since the expected revision; details <c>{"key": k, "expected_revision": n}</c>.
/// </summary>
public sealed class KvKeyExistsException : MeshException
{
    /// <summary>The client-only code of a lost compare-and-swap, <c>kv_conflict</c>.</summary>
    public const string ConflictCode = "kv_conflict";

    /// <summary>Creates a <c>kv_key_exists</c> error.</summary>
    public KvKeyExistsException(string message, string agent = "", string requestId = "", JsonElement details = default, Exception? innerException = null)
        : base(MeshErrorCodes.KvKeyExists, message, agent, requestId, details, innerException)
    {
    }

    private KvKeyExistsException(string code, string message, JsonElement details)
        : base(code, message, details: details)
    {
    }

    /// <summary>Creates the error for <paramref name="key"/> with details <c>{"key": key}</c>.</summary>
    public static KvKeyExistsException ForKey(string key) =>
        new($"Key '{key}' already exists", details: DetailsOf(w =>
        {
            w.WriteStartObject();
            w.WriteString("key", key);
            w.WriteEndObject();
        }));

    /// <summary>A lost compare-and-swap (<see cref="ConflictCode"/>): one attempt, or <paramref name="attempts"/> of a retry loop.</summary>
    internal static KvKeyExistsException Conflict(string key, ulong expectedRevision, int? attempts = null) =>
        new(ConflictCode,
            attempts is { } n
                ? $"Key '{key}' kept changing: compare-and-swap failed {n} times"
                : $"Key '{key}' changed since revision {expectedRevision}",
            DetailsOf(w =>
            {
                w.WriteStartObject();
                w.WriteString("key", key);
                w.WriteNumber("expected_revision", expectedRevision);
                w.WriteEndObject();
            }));
}
