using System.Text;
using System.Text.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;

namespace OamOrleans;

/// <summary>
/// A conservative compiled form of simple input schemas (objects with typed properties, required lists, arrays,
/// nullable scalars, <c>$ref</c> to definitions) checked in one pass with <see cref="Utf8JsonReader"/>: no string
/// decoding of the body, no Newtonsoft DOM, no NJsonSchema walk. It only ever says "valid" when NJsonSchema would
/// too; every keyword outside its whitelist makes the schema unsupported, and every doubtful value (non-integral
/// number literals for integers, deep nesting, non-string conversation-key candidates...) returns false so the caller
/// falls back to the full validator.
/// </summary>
internal sealed class FastSchemaCheck
{
    private const int MaxDepth = 48;

    [Flags]
    private enum Kinds
    {
        None = 0,
        String = 1,
        Integer = 2,
        Number = 4,
        Boolean = 8,
        Null = 16,
        Object = 32,
        Array = 64,
        Any = String | Integer | Number | Boolean | Null | Object | Array,
    }

    private sealed class Node
    {
        public Kinds Kinds;
        public Dictionary<string, Node>? Properties;
        public byte[][] PropertyNames = [];
        public Node[] PropertyNodes = [];
        public int[] RequiredIndexes = [];
        public bool AllowAdditional = true;
        public Node? Items;
    }

    private static readonly HashSet<string> Keywords = ["$schema", "title", "description", "type", "properties", "required", "additionalProperties", "items", "definitions", "$ref", "format"];
    private static readonly HashSet<string> NumericFormats = ["int32", "int64", "double", "float", "decimal"];
    private readonly Node _root;

    private FastSchemaCheck(Node root) => _root = root;

    public static FastSchemaCheck? TryCompile(JsonSchema schema)
    {
        try
        {
            using var doc = JsonDocument.Parse(schema.ToJson());
            var definitions = doc.RootElement.TryGetProperty("definitions", out var defs) && defs.ValueKind == JsonValueKind.Object ? defs : default;
            var compiled = new Dictionary<string, Node>();
            var root = Compile(doc.RootElement, definitions, compiled, 0);
            return root is null ? null : new FastSchemaCheck(root);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static Node? Compile(JsonElement element, JsonElement definitions, Dictionary<string, Node> compiled, int depth)
    {
        if (element.ValueKind != JsonValueKind.Object || depth > 32)
        {
            return null;
        }

        foreach (var keyword in element.EnumerateObject())
        {
            if (!Keywords.Contains(keyword.Name))
            {
                return null;
            }
        }

        if (element.TryGetProperty("$ref", out var reference))
        {
            const string prefix = "#/definitions/";
            var target = reference.GetString();
            if (element.EnumerateObject().Any(p => p.Name is not ("$ref" or "title" or "description")) ||
                target is null || !target.StartsWith(prefix, StringComparison.Ordinal) || definitions.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var name = target[prefix.Length..];
            if (compiled.TryGetValue(name, out var known))
            {
                return known; // May still be filling in: recursive types share the node.
            }

            if (!definitions.TryGetProperty(name, out var definition))
            {
                return null;
            }

            var placeholder = new Node();
            compiled[name] = placeholder;
            var resolved = Compile(definition, definitions, compiled, depth + 1);
            if (resolved is null)
            {
                return null;
            }

            CopyInto(resolved, placeholder);
            return placeholder;
        }

        var node = new Node { Kinds = Kinds.Any };
        if (element.TryGetProperty("type", out var type))
        {
            node.Kinds = Kinds.None;
            foreach (var t in type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().ToArray() : [type])
            {
                node.Kinds |= t.GetString() switch
                {
                    "string" => Kinds.String,
                    "integer" => Kinds.Integer,
                    "number" => Kinds.Number | Kinds.Integer,
                    "boolean" => Kinds.Boolean,
                    "null" => Kinds.Null,
                    "object" => Kinds.Object,
                    "array" => Kinds.Array,
                    _ => throw new InvalidOperationException("unsupported type"),
                };
            }
        }
        else if (element.EnumerateObject().Any(p => p.Name is not ("$schema" or "title" or "description" or "definitions")))
        {
            return null; // Keywords without a type apply conditionally: leave them to NJsonSchema.
        }

        if (element.TryGetProperty("format", out var format) &&
            ((node.Kinds & ~(Kinds.Integer | Kinds.Number | Kinds.Null)) != 0 || !NumericFormats.Contains(format.GetString() ?? "")))
        {
            return null; // String formats (date-time, uuid, ...) are validated by NJsonSchema.
        }

        if (element.TryGetProperty("properties", out var properties) || element.TryGetProperty("required", out _) ||
            element.TryGetProperty("additionalProperties", out _))
        {
            if (node.Kinds != Kinds.Object && node.Kinds != (Kinds.Object | Kinds.Null))
            {
                return null;
            }

            var names = new List<string>();
            var nodes = new List<Node>();
            if (properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    var child = Compile(property.Value, definitions, compiled, depth + 1);
                    if (child is null)
                    {
                        return null;
                    }

                    names.Add(property.Name);
                    nodes.Add(child);
                }
            }
            else if (properties.ValueKind != JsonValueKind.Undefined)
            {
                return null;
            }

            var required = new List<int>();
            if (element.TryGetProperty("required", out var requiredList))
            {
                foreach (var r in requiredList.EnumerateArray())
                {
                    var index = names.IndexOf(r.GetString()!);
                    if (index < 0)
                    {
                        return null;
                    }

                    required.Add(index);
                }
            }

            if (element.TryGetProperty("additionalProperties", out var additional))
            {
                if (additional.ValueKind == JsonValueKind.False)
                {
                    node.AllowAdditional = false;
                }
                else if (additional.ValueKind != JsonValueKind.True &&
                    !(additional.ValueKind == JsonValueKind.Object && !additional.EnumerateObject().Any()))
                {
                    return null;
                }
            }

            node.PropertyNames = names.Select(n => Encoding.UTF8.GetBytes(n)).ToArray();
            node.PropertyNodes = [.. nodes];
            node.RequiredIndexes = [.. required];
            node.Properties = names.Zip(nodes).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        }

        if (element.TryGetProperty("items", out var items))
        {
            if (node.Kinds != Kinds.Array && node.Kinds != (Kinds.Array | Kinds.Null))
            {
                return null;
            }

            node.Items = Compile(items, definitions, compiled, depth + 1);
            if (node.Items is null)
            {
                return null;
            }
        }

        return node;
    }

    private static void CopyInto(Node from, Node to)
    {
        to.Kinds = from.Kinds;
        to.Properties = from.Properties;
        to.PropertyNames = from.PropertyNames;
        to.PropertyNodes = from.PropertyNodes;
        to.RequiredIndexes = from.RequiredIndexes;
        to.AllowAdditional = from.AllowAdditional;
        to.Items = from.Items;
    }

    /// <summary>True when <paramref name="body"/> is strict JSON that satisfies the schema.</summary>
    public bool TryAccept(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
            return reader.Read() && Check(ref reader, _root) && !reader.Read(); // Trailing content: let the full path describe it.
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static bool Check(ref Utf8JsonReader reader, Node node)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return (node.Kinds & Kinds.String) != 0;
            case JsonTokenType.True:
            case JsonTokenType.False:
                return (node.Kinds & Kinds.Boolean) != 0;
            case JsonTokenType.Null:
                return (node.Kinds & Kinds.Null) != 0;
            case JsonTokenType.Number:
                if ((node.Kinds & Kinds.Number) != 0)
                {
                    return reader.TryGetDecimal(out _);
                }

                // Beyond long, Newtonsoft reads a BigInteger, which the full path treats as a (non-integer) double.
                return (node.Kinds & Kinds.Integer) != 0 && IsIntegerLiteral(reader.ValueSpan) && reader.TryGetInt64(out _);
            case JsonTokenType.StartArray:
                if ((node.Kinds & Kinds.Array) == 0)
                {
                    return false;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (node.Items is { } items ? !Check(ref reader, items) : !Skip(ref reader))
                    {
                        return false;
                    }
                }

                return true;
            case JsonTokenType.StartObject:
                return (node.Kinds & Kinds.Object) != 0 && CheckObject(ref reader, node);
            default:
                return false;
        }
    }

    private static bool CheckObject(ref Utf8JsonReader reader, Node node)
    {
        var names = node.PropertyNames;
        Span<bool> seen = names.Length <= 64 ? stackalloc bool[names.Length] : new bool[names.Length];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var index = -1;
            for (var i = 0; i < names.Length; i++)
            {
                if (reader.ValueTextEquals(names[i]))
                {
                    index = i;
                    break;
                }
            }

            if (!reader.Read())
            {
                return false;
            }

            if (index >= 0)
            {
                seen[index] = true;
                if (!Check(ref reader, node.PropertyNodes[index]))
                {
                    return false;
                }
            }
            else if (!node.AllowAdditional || !Skip(ref reader))
            {
                return false;
            }
        }

        foreach (var required in node.RequiredIndexes)
        {
            if (!seen[required])
            {
                return false;
            }
        }

        return true;
    }

    private static bool Skip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetDecimal(out _) || IsIntegerLiteral(reader.ValueSpan); // Newtonsoft must parse it alike.
        }

        reader.Skip();
        return true;
    }

    private static bool IsIntegerLiteral(ReadOnlySpan<byte> literal) => literal.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
}
