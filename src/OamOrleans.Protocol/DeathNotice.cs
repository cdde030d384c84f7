using System.Text.Json;

namespace OamOrleans.Protocol;

/// <summary>Body of <c>mesh.death.{name}</c> (§4.6), sent without headers.</summary>
public sealed record DeathNotice(string Agent, string Reason, string DetectedAt, string InstanceId)
{
    public const string GracefulShutdown = "graceful_shutdown";
    public const string Disconnect = "disconnect";

    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("agent", Agent);
        w.WriteString("reason", Reason);
        w.WriteString("detected_at", DetectedAt);
        w.WriteString("instance_id", InstanceId);
        w.WriteEndObject();
    });

    public static DeathNotice Parse(ReadOnlySpan<byte> utf8)
    {
        var obj = JsonRead.ParseObject(utf8) ?? [];
        return new DeathNotice(
            JsonRead.String(obj, "agent"),
            JsonRead.String(obj, "reason"),
            JsonRead.String(obj, "detected_at"),
            JsonRead.String(obj, "instance_id"));
    }

    public JsonElement ToJsonElement() => JsonDocument.Parse(ToJsonBytes()).RootElement.Clone();
}
