using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Protocol;

/// <summary>Lenient readers for documents written by other SDKs: a missing or mistyped field takes its default.</summary>
internal static class JsonRead
{
    public static string String(JsonObject obj, string key, string fallback = "") =>
        Lenient(() => obj[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : fallback, fallback);

    public static bool Bool(JsonObject obj, string key, bool fallback) =>
        Lenient(() => obj[key] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : fallback, fallback);

    public static long Long(JsonObject obj, string key) =>
        Lenient(() => obj[key] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0, 0);

    public static double Double(JsonObject obj, string key) =>
        Lenient(() => obj[key] is JsonValue v && v.TryGetValue<double>(out var n) ? n : 0, 0);

    public static IReadOnlyList<string> Strings(JsonObject obj, string key) =>
        Lenient<IReadOnlyList<string>>(
            () => obj[key] is JsonArray a ? a.OfType<JsonValue>().Select(x => Lenient(() => x.TryGetValue<string>(out var s) ? s : null, null)).OfType<string>().ToArray() : [],
            []);

    /// <summary>
    /// A field of a foreign document, or <paramref name="fallback"/> when reading it throws: a lone surrogate escape in a
    /// string, or duplicate keys (which a <see cref="JsonObject"/> refuses when it first reads its properties).
    /// </summary>
    private static T Lenient<T>(Func<T> read, T fallback)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            return fallback;
        }
    }

    /// <summary>The fields of <paramref name="obj"/> other than <paramref name="known"/>, deep-cloned, or null if none.</summary>
    public static JsonObject? Unknown(JsonObject obj, params string[] known)
    {
        JsonObject? extra = null;
        foreach (var (key, value) in obj)
        {
            if (Array.IndexOf(known, key) < 0)
            {
                (extra ??= [])[key] = value?.DeepClone();
            }
        }

        return extra;
    }

    public static void WriteUnknown(Utf8JsonWriter writer, JsonObject? extra)
    {
        if (extra is null)
        {
            return;
        }

        foreach (var (key, value) in extra)
        {
            writer.WritePropertyName(key);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }
    }

    public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var v in values)
        {
            writer.WriteStringValue(v);
        }

        writer.WriteEndArray();
    }

    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, MeshJsonText.WriterOptions))
        {
            body(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static JsonObject? ParseObject(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var obj = JsonNode.Parse(utf8) as JsonObject;
            _ = obj?.Count; // reads the properties now: duplicate keys throw here, not at the first field read
            return obj;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
