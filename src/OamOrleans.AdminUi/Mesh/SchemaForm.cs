using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.AdminUi.Mesh;

/// <summary>How a form field is edited.</summary>
internal enum FieldKind
{
    Text,
    Integer,
    Number,
    Boolean,
    Choice,
    Json,
}

/// <summary>One generated field: a property of an object input, or the whole input when it is not an object.</summary>
internal sealed class FormField
{
    public required string Name { get; init; }

    public required string Label { get; init; }

    public required FieldKind Kind { get; init; }

    public bool Required { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>The edited value as typed (checkbox: "true"/"false").</summary>
    public string Value { get; set; } = "";
}

/// <summary>
/// A form generated from an agent's input schema: one field per property of an object schema (strings, integers,
/// numbers, booleans and enums get their own inputs; anything else a JSON text area), or one field for a scalar or
/// array input. <see cref="BuildPayload"/> turns the edited values back into the JSON body; what the schema really
/// requires is checked by the agent (its <c>invalid_input</c> is shown like any error).
/// </summary>
internal sealed class SchemaForm
{
    /// <summary>The field name used when the input is not an object.</summary>
    public const string WholeInput = "input";

    private SchemaForm(IReadOnlyList<FormField> fields, bool isObject)
    {
        Fields = fields;
        IsObject = isObject;
    }

    public IReadOnlyList<FormField> Fields { get; }

    /// <summary>True when the payload is an object built from the fields; false when it is the one field's value.</summary>
    public bool IsObject { get; }

    public static SchemaForm For(JsonNode? schema)
    {
        if (schema is not JsonObject root)
        {
            return new SchemaForm([], isObject: true);
        }

        var resolved = Resolve(root, root);
        if (TypeOf(resolved) == "object" || resolved["properties"] is JsonObject)
        {
            var required = (resolved["required"] as JsonArray)?.Select(n => n?.GetValue<string>()).ToHashSet() ?? [];
            var fields = new List<FormField>();
            foreach (var (name, node) in resolved["properties"] as JsonObject ?? [])
            {
                var property = node is JsonObject p ? Resolve(p, root) : [];
                fields.Add(Field(name, property, required.Contains(name)));
            }

            return new SchemaForm(fields, isObject: true);
        }

        return new SchemaForm([Field(WholeInput, resolved, required: true)], isObject: false);
    }

    /// <summary>The JSON body from the edited values.</summary>
    /// <exception cref="FormatException">A value does not fit its field (the message names the field).</exception>
    public JsonNode? BuildPayload()
    {
        if (!IsObject)
        {
            return Fields.Count == 0 ? null : Convert(Fields[0]);
        }

        var body = new JsonObject();
        foreach (var field in Fields)
        {
            if (field.Value.Length == 0 && !field.Required && field.Kind != FieldKind.Boolean)
            {
                continue;
            }

            body[field.Name] = Convert(field);
        }

        return body;
    }

    private static JsonNode? Convert(FormField field)
    {
        var text = field.Value;
        try
        {
            return field.Kind switch
            {
                FieldKind.Integer => JsonValue.Create(long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)),
                FieldKind.Number => JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)),
                FieldKind.Boolean => JsonValue.Create(text == "true"),
                FieldKind.Json => text.Length == 0 ? null : JsonNode.Parse(text),
                _ => JsonValue.Create(text),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or JsonException)
        {
            throw new FormatException($"{field.Label}: {Expected(field.Kind)} expected, got '{text}'.", e);
        }
    }

    private static string Expected(FieldKind kind) => kind switch
    {
        FieldKind.Integer => "a whole number",
        FieldKind.Number => "a number",
        _ => "JSON",
    };

    private static FormField Field(string name, JsonObject schema, bool required)
    {
        var choices = (schema["enum"] as JsonArray)?.Select(n => n?.ToString() ?? "").ToList();
        var kind = choices is { Count: > 0 } && choices.TrueForAll(c => c.Length > 0) && TypeOf(schema) is null or "string"
            ? FieldKind.Choice
            : TypeOf(schema) switch
            {
                "string" => FieldKind.Text,
                "integer" => FieldKind.Integer,
                "number" => FieldKind.Number,
                "boolean" => FieldKind.Boolean,
                _ => FieldKind.Json,
            };
        var fallback = schema["default"] is { } d ? (d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() : d.ToJsonString()) : "";
        return new FormField
        {
            Name = name,
            Label = schema["title"]?.GetValueKind() == JsonValueKind.String ? schema["title"]!.GetValue<string>() : name,
            Kind = kind,
            Required = required,
            Description = schema["description"]?.GetValueKind() == JsonValueKind.String ? schema["description"]!.GetValue<string>() : null,
            Choices = kind == FieldKind.Choice ? choices! : [],
            Value = kind == FieldKind.Boolean ? (fallback == "true" ? "true" : "false") : kind == FieldKind.Choice && fallback.Length == 0 ? choices![0] : fallback,
        };
    }

    /// <summary>The schema's single non-null type (<c>["string","null"]</c> is a string), else null.</summary>
    private static string? TypeOf(JsonObject schema) => schema["type"] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonArray a => a.Select(n => n?.ToString()).Where(t => t is not null and not "null").ToList() is [var only] ? only : null,
        _ => schema["anyOf"] is JsonArray any
            && any.OfType<JsonObject>().Where(o => o["type"]?.ToString() != "null").ToList() is [var single]
            ? TypeOf(single)
            : null,
    };

    /// <summary>Follows a local <c>$ref</c> (<c>#/$defs/X</c> or <c>#/definitions/X</c>) one level.</summary>
    private static JsonObject Resolve(JsonObject schema, JsonObject root)
    {
        if (schema["$ref"]?.GetValueKind() != JsonValueKind.String)
        {
            return schema;
        }

        var path = schema["$ref"]!.GetValue<string>();
        JsonNode? target = root;
        foreach (var part in path.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            target = target is JsonObject o ? o[part] : null;
        }

        return target as JsonObject ?? schema;
    }
}
