using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary>
/// Output conventions of the reference CLI (§8): <c>--json</c> is sorted, indented JSON (Python's
/// <c>json.dumps(obj, indent=2, sort_keys=True)</c>); plain values are printed like Python's <c>json.dumps(obj)</c>
/// (<c>{"reply": "Echo: hi"}</c>); tables are left-aligned columns separated by two spaces; errors go to stderr as
/// <c>Error [{code}] {message}</c>.
/// </summary>
internal static class CliOutput
{
    private static readonly JsonWriterOptions IndentedWriter = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions CompactStrings = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Sorted (recursively, ordinal), indented JSON with two-space indentation.</summary>
    public static string SortedJson(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, IndentedWriter))
        {
            WriteSorted(writer, node);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Sorted, indented JSON of raw UTF-8 JSON bytes (an empty body reads as <c>{}</c>).</summary>
    public static string SortedJson(ReadOnlySpan<byte> utf8) => SortedJson(ParseOrEmpty(utf8));

    /// <summary>One-line JSON with Python's default separators (<c>", "</c> and <c>": "</c>), keys in their original order.</summary>
    public static string PythonJson(JsonNode? node)
    {
        var sb = new StringBuilder();
        WritePython(sb, node);
        return sb.ToString();
    }

    /// <summary>Parses a JSON body; an empty or whitespace body reads as <c>{}</c>, like the reference callers.</summary>
    public static JsonNode? ParseOrEmpty(ReadOnlySpan<byte> utf8)
    {
        var trimmed = utf8.Trim(" \t\r\n"u8);
        return trimmed.IsEmpty ? new JsonObject() : JsonNode.Parse(trimmed);
    }

    /// <summary>Parses a body as JSON when possible, else returns it as a JSON string (raw taps: <c>listen</c>, KV values).</summary>
    public static JsonNode? JsonOrText(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(utf8);
        }
        catch (JsonException)
        {
            return JsonValue.Create(Encoding.UTF8.GetString(utf8));
        }
    }

    /// <summary>The reference's plain table: header row, then rows; <c>(empty)</c> under the header when there are none.</summary>
    public static string Table(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        if (rows.Count == 0)
        {
            return string.Join("  ", headers) + "\n(empty)";
        }

        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Count && i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        string Format(IReadOnlyList<string> cells) =>
            string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();

        var lines = new List<string> { Format(headers) };
        lines.AddRange(rows.Select(Format));
        return string.Join('\n', lines);
    }

    /// <summary>
    /// Prints a mesh error like the reference: <c>Error [{code}] {message}</c>, then the details as sorted JSON when there
    /// are any, then a <c>Try: oam agent …</c> hint for <c>invocation_mismatch</c>.
    /// </summary>
    public static void WriteError(TextWriter stderr, MeshException error)
    {
        stderr.WriteLine($"Error [{error.Code}] {error.Message}");
        if (error.Details.ValueKind == JsonValueKind.Object && error.Details.EnumerateObject().Any())
        {
            stderr.WriteLine(SortedJson(JsonNode.Parse(error.Details.GetRawText())));
        }

        if (error.Code == MeshErrorCodes.InvocationMismatch && Hint(error.Message, error.Agent) is { } hint)
        {
            stderr.WriteLine();
            stderr.WriteLine($"Try: {hint}");
        }
    }

    /// <summary>The CLI command that fits the agent's shape, read from the reference's mismatch messages (none for background tasks).</summary>
    public static string? Hint(string message, string agent)
    {
        if (agent.Length == 0)
        {
            return null;
        }

        if (message.Contains("Use stream()", StringComparison.Ordinal) || message.Contains("streams responses to requests", StringComparison.Ordinal))
        {
            return $"oam agent stream {agent}";
        }

        if (message.Contains("Use call()", StringComparison.Ordinal))
        {
            return $"oam agent call {agent}";
        }

        if (message.Contains("Subscribe to its events", StringComparison.Ordinal))
        {
            return $"oam agent subscribe {agent}";
        }

        return null;
    }

    private static void WriteSorted(Utf8JsonWriter w, JsonNode? node)
    {
        switch (node)
        {
            case null:
                w.WriteNullValue();
                break;
            case JsonObject obj:
                w.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    w.WritePropertyName(key);
                    WriteSorted(w, value);
                }

                w.WriteEndObject();
                break;
            case JsonArray array:
                w.WriteStartArray();
                foreach (var item in array)
                {
                    WriteSorted(w, item);
                }

                w.WriteEndArray();
                break;
            default:
                node.WriteTo(w, CompactStrings);
                break;
        }
    }

    private static void WritePython(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    sb.Append(JsonSerializer.Serialize(key, CompactStrings)).Append(": ");
                    WritePython(sb, value);
                }

                sb.Append('}');
                break;
            case JsonArray array:
                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    WritePython(sb, array[i]);
                }

                sb.Append(']');
                break;
            default:
                sb.Append(node.ToJsonString(CompactStrings));
                break;
        }
    }

    /// <summary>Bytes as a human size (<c>1.5 MiB</c>).</summary>
    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }
}
