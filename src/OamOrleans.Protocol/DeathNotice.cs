using System.Text.Json;

namespace OamOrleans.Protocol;

/// <summary>Body of <c>mesh.death.{name}</c> (§4.6), sent without headers.</summary>
public sealed record DeathNotice(string Agent, string Reason, string DetectedAt, string InstanceId)
{
    /// <summary><see cref="Reason"/> of a host that stopped on purpose and was the last instance of the agent.</summary>
    public const string GracefulShutdown = "graceful_shutdown";
    /// <summary><see cref="Reason"/> of a host whose NATS connection dropped (seen through the server's disconnect advisory).</summary>
    public const string Disconnect = "disconnect";

    /// <summary>The notice body as UTF-8 JSON: <c>agent</c>, <c>reason</c>, <c>detected_at</c>, <c>instance_id</c>.</summary>
    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("agent", Agent);
        w.WriteString("reason", Reason);
        w.WriteString("detected_at", DetectedAt);
        w.WriteString("instance_id", InstanceId);
        w.WriteEndObject();
    });

    /// <summary>Reads a notice leniently: missing or mistyped fields read as empty strings, never an exception.</summary>
    public static DeathNotice Parse(ReadOnlySpan<byte> utf8)
    {
        var obj = JsonRead.ParseObject(utf8) ?? [];
        return new DeathNotice(
            JsonRead.String(obj, "agent"),
            JsonRead.String(obj, "reason"),
            JsonRead.String(obj, "detected_at"),
            JsonRead.String(obj, "instance_id"));
    }

    /// <summary>The notice as a detached JSON element: the <c>details</c> of an <c>agent_died</c> error.</summary>
    public JsonElement ToJsonElement() => JsonDocument.Parse(ToJsonBytes()).RootElement.Clone();
}
