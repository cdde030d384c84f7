namespace OamOrleans.Protocol;

/// <summary>The error codes of the protocol (§3.3). Readers keep unknown codes as they are.</summary>
public static class MeshErrorCodes
{
    /// <summary>The base code, and the fallback when an error body has no code.</summary>
    public const string MeshError = "mesh_error";
    /// <summary>The input failed the agent's JSON Schema, or was not JSON; <c>details</c> lists the violations.</summary>
    public const string InvalidInput = "invalid_input";
    /// <summary>The handler threw; <c>message</c> is the exception's message. Also the default of a stream error frame without a code.</summary>
    public const string HandlerError = "handler_error";
    /// <summary>Wrong kind of invocation: a stream request to an agent that only replies, or a call to a streaming agent.</summary>
    public const string InvocationMismatch = "invocation_mismatch";
    /// <summary>Nobody serves the subject and the name is not in the catalog; or the registry has no such contract.</summary>
    public const string NotFound = "not_found";
    /// <summary>No responders, but the name is in the catalog: its lifecycle gate is closed or its hosts are draining.</summary>
    public const string NotAvailable = "not_available";
    /// <summary>No reply (or no next frame) within the caller's timeout.</summary>
    public const string Timeout = "timeout";
    /// <summary>A death notice for the target arrived during the call; <c>details</c> is the notice.</summary>
    public const string AgentDied = "agent_died";
    /// <summary>A stream frame arrived out of order; <c>details</c> has the expected and received sequence numbers.</summary>
    public const string ChunkSequenceError = "chunk_sequence_error";
    /// <summary>The client cannot connect to NATS, or is not connected.</summary>
    public const string ConnectionFailed = "connection_failed";
    /// <summary>The server refused the credentials, or a publish permission violation hit this call.</summary>
    public const string ConnectionDenied = "connection_denied";
    /// <summary>A put-if-absent KV create found the key already present; <c>details</c> names the key.</summary>
    public const string KvKeyExists = "kv_key_exists";

    /// <summary>Client-only code of the TypeScript SDK for a caller-side abort.</summary>
    public const string Aborted = "aborted";

    /// <summary>Every code above: a reader maps these to typed errors and keeps any other code as it is.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        MeshError, InvalidInput, HandlerError, InvocationMismatch, NotFound, NotAvailable, Timeout,
        AgentDied, ChunkSequenceError, ConnectionFailed, ConnectionDenied, KvKeyExists, Aborted,
    };
}
