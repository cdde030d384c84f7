namespace OamOrleans.Protocol;

/// <summary>Every <c>X-Mesh-*</c> header, with the exact casing the reference uses (protocol §3.2).</summary>
public static class MeshHeaders
{
    public const string RequestId = "X-Mesh-Request-Id";
    public const string Stream = "X-Mesh-Stream";
    public const string ReplyTo = "X-Mesh-Reply-To";
    public const string InstanceId = "X-Mesh-Instance-Id";
    public const string Status = "X-Mesh-Status";
    public const string Source = "X-Mesh-Source";
    public const string Usage = "X-Mesh-Usage";
    public const string StreamSeq = "X-Mesh-Stream-Seq";
    public const string StreamEnd = "X-Mesh-Stream-End";
    public const string ContentType = "X-Mesh-Content-Type";

    /// <summary>OamOrleans extension: selects the conversation (grain activation). Other SDKs ignore it.</summary>
    public const string ConversationId = "X-Mesh-Conversation-Id";

    public const string StatusOk = "ok";
    public const string StatusError = "error";
    public const string True = "true";
    public const string False = "false";
}
