namespace OamOrleans.Protocol;

/// <summary>The error codes of the protocol (§3.3). Readers keep unknown codes as they are.</summary>
public static class MeshErrorCodes
{
    public const string MeshError = "mesh_error";
    public const string InvalidInput = "invalid_input";
    public const string HandlerError = "handler_error";
    public const string InvocationMismatch = "invocation_mismatch";
    public const string NotFound = "not_found";
    public const string NotAvailable = "not_available";
    public const string Timeout = "timeout";
    public const string AgentDied = "agent_died";
    public const string ChunkSequenceError = "chunk_sequence_error";
    public const string ConnectionFailed = "connection_failed";
    public const string ConnectionDenied = "connection_denied";
    public const string KvKeyExists = "kv_key_exists";

    /// <summary>Client-only code of the TypeScript SDK for a caller-side abort.</summary>
    public const string Aborted = "aborted";

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        MeshError, InvalidInput, HandlerError, InvocationMismatch, NotFound, NotAvailable, Timeout,
        AgentDied, ChunkSequenceError, ConnectionFailed, ConnectionDenied, KvKeyExists, Aborted,
    };
}
