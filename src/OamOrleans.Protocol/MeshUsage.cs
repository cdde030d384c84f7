using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Protocol;

/// <summary>
/// Usage attribution (§5.7): what a handler reports during a request, carried as compact JSON without nulls in the
/// <c>X-Mesh-Usage</c> header of the reply or stream end frame, and as the data of a <c>usage_reported</c> log event.
/// </summary>
public sealed record MeshUsage
{
    /// <summary>Input (prompt) tokens.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Output (completion) tokens.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>Total tokens, when the reporter gives it.</summary>
    public long? TotalTokens { get; init; }

    /// <summary>The model name; merging keeps the last one reported.</summary>
    public string? Model { get; init; }

    /// <summary>Estimated cost in US dollars.</summary>
    public double? EstimatedCostUsd { get; init; }

    /// <summary>Merges two reports the reference way: numbers are summed (null + n = n), the model keeps the last value.</summary>
    public MeshUsage Merge(MeshUsage next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return new MeshUsage
        {
            InputTokens = Sum(InputTokens, next.InputTokens),
            OutputTokens = Sum(OutputTokens, next.OutputTokens),
            TotalTokens = Sum(TotalTokens, next.TotalTokens),
            Model = next.Model ?? Model,
            EstimatedCostUsd = EstimatedCostUsd is null && next.EstimatedCostUsd is null ? null : (EstimatedCostUsd ?? 0) + (next.EstimatedCostUsd ?? 0),
        };
    }

    /// <summary>Compact JSON without nulls, keys in the reference order (the <c>X-Mesh-Usage</c> header value).</summary>
    public string ToJson() => System.Text.Encoding.UTF8.GetString(JsonRead.Write(WriteTo));

    /// <summary>Writes the usage object (nulls omitted).</summary>
    public void WriteTo(Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        if (InputTokens is { } i)
        {
            w.WriteNumber("input_tokens", i);
        }

        if (OutputTokens is { } o)
        {
            w.WriteNumber("output_tokens", o);
        }

        if (TotalTokens is { } t)
        {
            w.WriteNumber("total_tokens", t);
        }

        if (Model is { } m)
        {
            w.WriteString("model", m);
        }

        if (EstimatedCostUsd is { } c)
        {
            w.WriteNumber("estimated_cost_usd", c);
        }

        w.WriteEndObject();
    }

    /// <summary>Reads a usage value leniently (mistyped fields are ignored); null when it is not a JSON object.</summary>
    public static MeshUsage? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        var obj = JsonRead.ParseObject(System.Text.Encoding.UTF8.GetBytes(json));
        return obj is null ? null : new MeshUsage
        {
            InputTokens = Long(obj, "input_tokens"),
            OutputTokens = Long(obj, "output_tokens"),
            TotalTokens = Long(obj, "total_tokens"),
            Model = obj["model"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null,
            EstimatedCostUsd = obj["estimated_cost_usd"] is JsonValue c && c.GetValueKind() == JsonValueKind.Number
                ? double.Parse(c.ToJsonString(), CultureInfo.InvariantCulture)
                : null,
        };
    }

    private static long? Long(JsonObject obj, string key) =>
        obj[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static long? Sum(long? a, long? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);
}
