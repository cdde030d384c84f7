namespace OamOrleans.AdminUi.Mesh;

/// <summary>Small text helpers for display.</summary>
internal static class Text
{
    /// <summary>The first sentence: up to the first '.', '!' or '?' followed by a space or the end (the reference's rule).</summary>
    public static string FirstSentence(string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return "";
        }

        var text = description.Trim();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '.' or '!' or '?' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1])))
            {
                return text[..(i + 1)];
            }
        }

        return text;
    }

    /// <summary>At most <paramref name="max"/> characters, with an ellipsis when cut.</summary>
    public static string Clip(string text, int max = 400) => text.Length <= max ? text : text[..max] + "…";

    /// <summary>Indented JSON when <paramref name="raw"/> is JSON, else the text itself.</summary>
    public static string Pretty(string raw)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(raw)?.ToJsonString(Indented) ?? "null";
        }
        catch (System.Text.Json.JsonException)
        {
            return raw;
        }
    }

    /// <summary>Indented JSON with every object's keys in ordinal order: the text <c>oam agent tool</c> and <c>oam agent card</c> print.</summary>
    public static string SortedIndented(System.Text.Json.Nodes.JsonNode? node) => Sorted(node)?.ToJsonString(Indented) ?? "null";

    private static System.Text.Json.Nodes.JsonNode? Sorted(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonObject obj => new System.Text.Json.Nodes.JsonObject(
            obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        System.Text.Json.Nodes.JsonArray array => new System.Text.Json.Nodes.JsonArray([.. array.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    public static readonly System.Text.Json.JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
