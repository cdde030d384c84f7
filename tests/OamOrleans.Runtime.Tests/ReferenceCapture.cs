using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Runtime.Tests;

/// <summary>Documents the reference Python SDK wrote, from the wire capture (golden fixtures).</summary>
internal static class ReferenceCapture
{
    private static readonly Lazy<JsonElement[]> Events = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "oam-wire-capture.json")))
            .RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToArray());

    /// <summary>The body of the first captured message on <paramref name="subject"/>.</summary>
    public static JsonNode Body(string subject) =>
        JsonNode.Parse(Events.Value.First(e => e.TryGetProperty("subject", out var s) && s.GetString() == subject && e.GetProperty("body").GetString()!.Length > 0)
            .GetProperty("body").GetString()!)!;

    public static string[] Keys(JsonNode? node) => node is JsonObject o ? o.Select(p => p.Key).ToArray() : [];
}
