using System.Text.Json;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// The log-level rules of <c>mesh-observability</c> (§5.6), shared by the client (<see cref="MeshObserve"/>) and the hosts'
/// publishing gate: how an entry reads, and which entry applies to an agent (its own, else <c>global</c>, else info).
/// </summary>
internal static class ObserveLevels
{
    /// <summary>The key of the mesh-wide entry.</summary>
    public const string GlobalKey = "global";

    /// <summary>The level that applies when neither the agent nor <c>global</c> has an entry: <c>info</c>.</summary>
    public const string DefaultLevel = LogEvent.Info;

    /// <summary>The numeric value of <see cref="DefaultLevel"/> (info = 20).</summary>
    public static readonly int DefaultLevelValue = LogEvent.LevelValue(DefaultLevel)!.Value;

    /// <summary>The known levels, lowest first.</summary>
    public static readonly IReadOnlyList<string> Known = [LogEvent.Debug, LogEvent.Info, LogEvent.Warn, LogEvent.Error, LogEvent.Off];

    /// <summary>
    /// The level of an entry <c>{"log_level": "…"}</c>; null when the value is empty, not JSON, not such an object or not a
    /// known level (values written by foreign tools are ignored, never fatal).
    /// </summary>
    public static string? Parse(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(value);
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("log_level", out var level) && level.ValueKind == JsonValueKind.String
                && level.GetString() is { } text && LogEvent.LevelValue(text) is not null
                ? text
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null; // bad JSON, or a lone surrogate escape in the string
        }
    }

    /// <summary>The entry for <paramref name="level"/>: <c>{"log_level":"…"}</c>.</summary>
    public static byte[] Entry(string level) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["log_level"] = level });

    /// <summary>The agent → global → default rule.</summary>
    public static EffectiveObserveSettings Effective(string? agentLevel, string? globalLevel) =>
        agentLevel is not null ? new EffectiveObserveSettings(agentLevel, EffectiveObserveSettings.AgentSource)
        : globalLevel is not null ? new EffectiveObserveSettings(globalLevel, EffectiveObserveSettings.GlobalSource)
        : new EffectiveObserveSettings(DefaultLevel, EffectiveObserveSettings.DefaultSource);
}
