namespace OamOrleans.Protocol;

/// <summary>Every <c>X-Mesh-*</c> header, with the exact casing the reference uses (protocol §3.2).</summary>
public static class MeshHeaders
{
    /// <summary>Correlates a request with its reply, stream frames and errors: 32 lowercase hex characters, new per call; agents echo what they received.</summary>
    public const string RequestId = "X-Mesh-Request-Id";
    /// <summary>Set to <c>true</c> on a stream request: the agent answers with frames on <c>mesh.stream.{request id}</c> instead of one reply.</summary>
    public const string Stream = "X-Mesh-Stream";
    /// <summary>The reply subject of a <c>send</c> with an explicit reply-to; informational, hosts never read it.</summary>
    public const string ReplyTo = "X-Mesh-Reply-To";
    /// <summary>The sending process's instance id (32 hex characters), stamped on every outbound message except death notices and KV writes.</summary>
    public const string InstanceId = "X-Mesh-Instance-Id";
    /// <summary><see cref="StatusOk"/> or <see cref="StatusError"/> on replies and error frames; a missing header means success.</summary>
    public const string Status = "X-Mesh-Status";
    /// <summary>The responding agent's name, on successful replies only.</summary>
    public const string Source = "X-Mesh-Source";
    /// <summary>Model token usage the handler reported, as compact JSON, on the reply or on a stream's end frame.</summary>
    public const string Usage = "X-Mesh-Usage";
    /// <summary>The frame number of a stream chunk or publisher event, from <c>0</c>; the end frame carries the chunk count; absent on error frames.</summary>
    public const string StreamSeq = "X-Mesh-Stream-Seq";
    /// <summary><c>false</c> on chunks and events, <c>true</c> on the terminal frame (end or error).</summary>
    public const string StreamEnd = "X-Mesh-Stream-End";
    /// <summary>The body's content type on <c>publish()</c>: <c>application/json</c>, <c>application/octet-stream</c> or <c>text/plain</c>.</summary>
    public const string ContentType = "X-Mesh-Content-Type";

    /// <summary>OamOrleans extension: selects the conversation (grain activation). Other SDKs ignore it.</summary>
    public const string ConversationId = "X-Mesh-Conversation-Id";

    /// <summary>
    /// OamOrleans extension: the caller's deadline for this request, in seconds from sending (a decimal such as
    /// <c>30</c> or <c>2.5</c>). The handler's cancellation token fires then (hosts bound it by their own limit); a
    /// value that is not a positive number is ignored. Other SDKs ignore the header.
    /// </summary>
    public const string Timeout = "X-Mesh-Timeout";

    /// <summary>The <see cref="Status"/> value of a successful reply.</summary>
    public const string StatusOk = "ok";
    /// <summary>The <see cref="Status"/> value of an error envelope (reply, stream error frame, <c>mesh.errors.*</c>).</summary>
    public const string StatusError = "error";
    /// <summary>The header spelling of a true flag (<see cref="Stream"/>, <see cref="StreamEnd"/>): compared by equality.</summary>
    public const string True = "true";
    /// <summary>The header spelling of a false flag (<see cref="StreamEnd"/> on data frames).</summary>
    public const string False = "false";
}
