using System.Text.Json;

namespace OamOrleans.Protocol;

/// <summary>
/// A structured log event on <c>mesh.logs.{name}</c> (§5.6): compact JSON with keys
/// <c>timestamp, level, agent, event, request_id, message, data</c> in that order.
/// </summary>
public sealed record LogEvent(string Timestamp, string Level, string Agent, string Event, string RequestId, string Message, JsonElement Data)
{
    /// <summary>Level <c>debug</c> (10).</summary>
    public const string Debug = "debug";

    /// <summary>Level <c>info</c> (20), the default threshold.</summary>
    public const string Info = "info";

    /// <summary>Level <c>warn</c> (30).</summary>
    public const string Warn = "warn";

    /// <summary>Level <c>error</c> (40).</summary>
    public const string Error = "error";

    /// <summary>Threshold <c>off</c> (100): nothing is published.</summary>
    public const string Off = "off";

    /// <summary>The numeric value of a level (debug 10, info 20, warn 30, error 40, off 100); null for an unknown level.</summary>
    public static int? LevelValue(string level) => level switch
    {
        Debug => 10,
        Info => 20,
        Warn => 30,
        Error => 40,
        Off => 100,
        _ => null,
    };

    /// <summary>Serializes the event in the reference key order; <see cref="Data"/> defaults to <c>{}</c>.</summary>
    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("timestamp", Timestamp);
        w.WriteString("level", Level);
        w.WriteString("agent", Agent);
        w.WriteString("event", Event);
        w.WriteString("request_id", MeshJsonText.Scrub(RequestId));
        w.WriteString("message", MeshJsonText.Scrub(Message));
        w.WritePropertyName("data");
        (Data.ValueKind == JsonValueKind.Undefined ? ErrorEnvelope.NoDetails : Data).WriteTo(w);
        w.WriteEndObject();
    });

    /// <summary>Reads an event leniently: missing strings become empty, missing or non-object data becomes <c>{}</c>.</summary>
    public static LogEvent Parse(ReadOnlySpan<byte> utf8)
    {
        var obj = JsonRead.ParseObject(utf8) ?? [];
        var data = obj["data"] is { } d && d.GetValueKind() == JsonValueKind.Object ? JsonSerializer.SerializeToElement(d) : ErrorEnvelope.NoDetails;
        return new LogEvent(
            JsonRead.String(obj, "timestamp"),
            JsonRead.String(obj, "level"),
            JsonRead.String(obj, "agent"),
            JsonRead.String(obj, "event"),
            JsonRead.String(obj, "request_id"),
            JsonRead.String(obj, "message"),
            data);
    }
}
