using System.Text;
using System.Text.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace OamOrleans;

/// <summary>
/// Validates a request body against an agent's input schema before the grain is called, and describes every problem
/// as a Pydantic-style error list (<c>type</c>, <c>loc</c>, <c>msg</c>, <c>input</c>) for <c>details.errors</c>.
/// </summary>
internal sealed class InputValidator(JsonSchema schema)
{
    private const int MaxDepth = 64;

    /// <summary>A one-pass System.Text.Json check compiled from the schema, when the schema is simple enough (else null).</summary>
    private readonly FastSchemaCheck? _fast = FastSchemaCheck.TryCompile(schema);

    /// <summary>
    /// Parses and validates; on success returns the parsed token (used to read the conversation key) when
    /// <paramref name="keepInput"/> asks for it. On the fast path the token is shallow: an object holds only its
    /// top-level scalar properties, which is all the key lookup needs; without <paramref name="keepInput"/> nothing is built.
    /// </summary>
    public bool TryValidate(ReadOnlySpan<byte> body, bool keepInput, out JToken? token, out string message, out byte[] errorsJson)
    {
        token = null;
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            const string notUtf8 = "Request body is not valid UTF-8";
            message = notUtf8;
            errorsJson = Errors(w => WriteError(w, "utf8_invalid", [], notUtf8, null));
            return false;
        }

        // Fast path: strict JSON that the compiled check accepts is valid for NJsonSchema too. Anything else (invalid,
        // lenient JSON, unusual numbers) goes through the full path below, which also writes the error details.
        if (_fast is { } fast && fast.TryAccept(body, keepInput, out token))
        {
            message = "";
            errorsJson = [];
            return true;
        }

        try
        {
            using var reader = new JsonTextReader(new StringReader(Encoding.UTF8.GetString(body)))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Decimal,
                MaxDepth = MaxDepth,
            };
            token = JToken.ReadFrom(reader);
            if (reader.Read())
            {
                throw new JsonReaderException($"Additional text after the JSON value at position {reader.LinePosition}");
            }
        }
        catch (JsonReaderException e)
        {
            message = "Request body is not valid JSON";
            var reason = e.Message;
            var text = Encoding.UTF8.GetString(body);
            // Pydantic's shape: the raw text as input, the parser's reason in ctx.error.
            errorsJson = Errors(w => WriteError(w, "json_invalid", [], $"Invalid JSON: {reason}", new JValue(text), reason));
            return false;
        }

        var errors = schema.Validate(token);
        if (errors.Count == 0)
        {
            message = "";
            errorsJson = [];
            return true;
        }

        message = "";
        var root = token;
        errorsJson = Errors(w =>
        {
            foreach (var error in Flatten(errors))
            {
                var loc = Location(error);
                var (type, msg) = Describe(error);
                WriteError(w, type, loc, msg, error.Kind == ValidationErrorKind.PropertyRequired ? Parent(root, loc) : error.Token);
            }
        });
        return false;
    }

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            if (error is ChildSchemaValidationError child && child.Errors.Count > 0)
            {
                foreach (var nested in Flatten(child.Errors.SelectMany(e => e.Value)))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return error;
            }
        }
    }

    /// <summary>Turns NJsonSchema's path (<c>#/items[1].name</c>) into a Pydantic <c>loc</c> list.</summary>
    private static List<object> Location(ValidationError error)
    {
        var loc = new List<object>();
        var path = error.Path ?? "#";
        foreach (var segment in path.TrimStart('#').Split(['/', '.'], StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment;
            var bracket = name.IndexOf('[');
            if (bracket >= 0)
            {
                foreach (var index in name[bracket..].Split(['[', ']'], StringSplitOptions.RemoveEmptyEntries))
                {
                    if (bracket > 0)
                    {
                        loc.Add(name[..bracket]);
                        bracket = 0;
                    }

                    loc.Add(int.TryParse(index, out var i) ? i : index);
                }

                continue;
            }

            loc.Add(name);
        }

        if (error.Kind == ValidationErrorKind.PropertyRequired && error.Property is { } property &&
            (loc.Count == 0 || !Equals(loc[^1], property)))
        {
            loc.Add(property);
        }

        return loc;
    }

    private static JToken? Parent(JToken root, List<object> loc)
    {
        var current = root;
        foreach (var part in loc.Take(loc.Count - 1))
        {
            current = part is int i ? (current as JArray)?.ElementAtOrDefault(i) : current?[part.ToString()!];
        }

        return current;
    }

    private static (string Type, string Message) Describe(ValidationError error) => error.Kind switch
    {
        ValidationErrorKind.PropertyRequired => ("missing", "Field required"),
        ValidationErrorKind.StringExpected => ("string_type", "Input should be a valid string"),
        ValidationErrorKind.IntegerExpected => ("int_type", "Input should be a valid integer"),
        ValidationErrorKind.NumberExpected => ("float_type", "Input should be a valid number"),
        ValidationErrorKind.BooleanExpected => ("bool_type", "Input should be a valid boolean"),
        ValidationErrorKind.ObjectExpected => ("model_type", "Input should be a valid object"),
        ValidationErrorKind.ArrayExpected => ("list_type", "Input should be a valid list"),
        ValidationErrorKind.NullExpected => ("none_required", "Input should be null"),
        ValidationErrorKind.NotInEnumeration => ("enum", "Input should be one of the allowed values"),
        ValidationErrorKind.StringTooShort => ("string_too_short", "String is too short"),
        ValidationErrorKind.StringTooLong => ("string_too_long", "String is too long"),
        ValidationErrorKind.NumberTooSmall => ("greater_than_equal", "Number is too small"),
        ValidationErrorKind.NumberTooBig => ("less_than_equal", "Number is too big"),
        ValidationErrorKind.DateTimeExpected => ("datetime_type", "Input should be a valid datetime"),
        ValidationErrorKind.GuidExpected => ("uuid_type", "Input should be a valid UUID"),
        ValidationErrorKind.NoTypeValidates when ExpectedType(error.Schema) is { } expected => expected,
        _ => (SnakeCase(error.Kind.ToString()), error.ToString()),
    };

    /// <summary>For a nullable property (<c>"type": ["null", "string"]</c>) the error names the non-null type, as Pydantic does.</summary>
    private static (string Type, string Message)? ExpectedType(JsonSchema? schema) => schema?.Type switch
    {
        null => null,
        var t when t.Value.HasFlag(JsonObjectType.String) => ("string_type", "Input should be a valid string"),
        var t when t.Value.HasFlag(JsonObjectType.Integer) => ("int_type", "Input should be a valid integer"),
        var t when t.Value.HasFlag(JsonObjectType.Number) => ("float_type", "Input should be a valid number"),
        var t when t.Value.HasFlag(JsonObjectType.Boolean) => ("bool_type", "Input should be a valid boolean"),
        var t when t.Value.HasFlag(JsonObjectType.Array) => ("list_type", "Input should be a valid list"),
        var t when t.Value.HasFlag(JsonObjectType.Object) => ("model_type", "Input should be a valid object"),
        _ => null,
    };

    private static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(pascal[i]));
        }

        return sb.ToString();
    }

    private static byte[] Errors(Action<Utf8JsonWriter> writeItems)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, OamOrleans.Protocol.MeshJsonText.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartArray("errors");
            writeItems(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteError(Utf8JsonWriter w, string type, List<object> loc, string msg, JToken? input, string? ctxError = null)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteStartArray("loc");
        foreach (var part in loc)
        {
            if (part is int i)
            {
                w.WriteNumberValue(i);
            }
            else
            {
                w.WriteStringValue(part.ToString());
            }
        }

        w.WriteEndArray();
        w.WriteString("msg", msg);
        w.WritePropertyName("input");
        if (input is null)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteRawValue(input.ToString(Formatting.None), skipInputValidation: true);
        }

        if (ctxError is not null)
        {
            w.WriteStartObject("ctx");
            w.WriteString("error", ctxError);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }
}

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

    /// <summary>
    /// True when <paramref name="body"/> is strict JSON that satisfies the schema; <paramref name="token"/> is shallow,
    /// and only built with <paramref name="keepInput"/>.
    /// </summary>
    public bool TryAccept(ReadOnlySpan<byte> body, bool keepInput, out JToken? token)
    {
        token = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read())
            {
                return false;
            }

            // Check alone validates every value, scalars included; the shallow token is only built for a reader.
            JObject? shallow = null;
            if (keepInput)
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    shallow = [];
                }
                else
                {
                    token = Scalar(ref reader);
                }
            }

            if (!Check(ref reader, _root, shallow))
            {
                token = null;
                return false;
            }

            token ??= shallow;
            return !reader.Read(); // Trailing content: let the full path describe it.
        }
        catch (System.Text.Json.JsonException)
        {
            token = null;
            return false;
        }
    }

    private static bool Check(ref Utf8JsonReader reader, Node node, JObject? shallow)
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

                return (node.Kinds & Kinds.Integer) != 0 && IsIntegerLiteral(reader.ValueSpan);
            case JsonTokenType.StartArray:
                if ((node.Kinds & Kinds.Array) == 0)
                {
                    return false;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (node.Items is { } items ? !Check(ref reader, items, null) : !Skip(ref reader))
                    {
                        return false;
                    }
                }

                return true;
            case JsonTokenType.StartObject:
                return (node.Kinds & Kinds.Object) != 0 && CheckObject(ref reader, node, shallow);
            default:
                return false;
        }
    }

    private static bool CheckObject(ref Utf8JsonReader reader, Node node, JObject? shallow)
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

            var name = shallow is null ? null : reader.GetString();
            if (!reader.Read())
            {
                return false;
            }

            if (name is not null && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            {
                var scalar = Scalar(ref reader);
                if (scalar is null)
                {
                    return false;
                }

                shallow![name] = scalar; // Last one wins, as in Newtonsoft's JObject.
            }

            if (index >= 0)
            {
                seen[index] = true;
                if (!Check(ref reader, node.PropertyNodes[index], null))
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

    /// <summary>A scalar exactly as Newtonsoft reads it (numbers it must parse itself: decimals, big integers); null if it can't.</summary>
    private static JValue? Scalar(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new JValue(reader.GetString());
            case JsonTokenType.True:
                return new JValue(true);
            case JsonTokenType.False:
                return new JValue(false);
            case JsonTokenType.Null:
                return JValue.CreateNull();
            case JsonTokenType.Number when IsIntegerLiteral(reader.ValueSpan) && reader.TryGetInt64(out var l):
                return new JValue(l);
            case JsonTokenType.Number:
                try
                {
                    using var text = new JsonTextReader(new StringReader(Encoding.UTF8.GetString(reader.ValueSpan)))
                    {
                        DateParseHandling = DateParseHandling.None,
                        FloatParseHandling = FloatParseHandling.Decimal,
                    };
                    return JToken.ReadFrom(text) as JValue;
                }
                catch (JsonReaderException)
                {
                    return null;
                }

            default:
                return null;
        }
    }

    private static bool IsIntegerLiteral(ReadOnlySpan<byte> literal) => literal.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
}
