using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Protocol;

/// <summary>
/// The reference's cleaning of tool parameters for OpenAI strict mode, applied in place from the root: on every node
/// visited the keywords strict mode refuses are removed; an object gets <c>additionalProperties: false</c>, its optional
/// properties become nullable and <c>required</c> lists every property, sorted; an array's <c>items</c> is cleaned.
/// Like the reference it does not descend into <c>$defs</c>, <c>anyOf</c>, <c>oneOf</c> or <c>allOf</c>.
/// </summary>
/// <remarks>
/// One deliberate difference: the reference wraps a <c>type</c> that is already a list (<c>["null", "string"]</c>)
/// into <c>[["null", "string"], "null"]</c>, which is not JSON Schema. Here <c>"null"</c> is added to the list once
/// (and not at all when the list has it).
/// </remarks>
internal static class StrictSchema
{
    private static readonly string[] Stripped =
        ["format", "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "default", "title"];

    public static void Clean(JsonObject node)
    {
        foreach (var keyword in Stripped)
        {
            node.Remove(keyword);
        }

        if (HasType(node, "object"))
        {
            node["additionalProperties"] = false;
            var properties = node["properties"] as JsonObject ?? [];
            var required = node["required"] is JsonArray list
                ? list.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()).ToHashSet(StringComparer.Ordinal)
                : [];
            foreach (var (name, property) in properties)
            {
                if (property is not JsonObject schema)
                {
                    continue; // a boolean schema has nothing to clean (the reference would fail here)
                }

                Clean(schema);
                if (!required.Contains(name))
                {
                    MakeNullable(schema);
                }
            }

            var names = properties.Select(p => p.Key).ToList();
            names.Sort(StringComparer.Ordinal);
            node["required"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
        }

        if (HasType(node, "array") && node["items"] is JsonObject items)
        {
            Clean(items);
        }
    }

    private static bool HasType(JsonObject node, string type) =>
        node["type"] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == type;

    /// <summary>An optional property's <c>type</c> also allows <c>null</c>; a missing, empty or <c>"null"</c> type stays as it is.</summary>
    private static void MakeNullable(JsonObject schema)
    {
        switch (schema["type"])
        {
            case JsonArray types when types.Count > 0:
                if (!types.Any(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == "null"))
                {
                    types.Add("null");
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var type = value.GetValue<string>();
                if (type.Length > 0 && type != "null")
                {
                    schema["type"] = new JsonArray(type, "null");
                }

                break;
            case JsonNode other when IsTruthy(other):
                // Not a valid type keyword; wrapped as the reference does so the result is no less faithful.
                schema["type"] = new JsonArray(other.DeepClone(), "null");
                break;
        }
    }

    private static bool IsTruthy(JsonNode node) => node switch
    {
        JsonObject obj => obj.Count > 0,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.Number => v.GetValue<double>() != 0,
            _ => false,
        },
        _ => false,
    };
}
