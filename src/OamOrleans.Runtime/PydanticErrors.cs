using System.Text.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace OamOrleans;

/// <summary>
/// Writes validation problems as Pydantic's <c>errors(include_url=False)</c> list for <c>details.errors</c>
/// (<c>type</c>, <c>loc</c>, <c>msg</c>, <c>input</c>, sometimes <c>ctx</c>): NJsonSchema's errors mapped to Pydantic's
/// types and locations, and the decoding errors (not UTF-8, not JSON) in the shape Pydantic gives them.
/// </summary>
internal static class PydanticErrors
{
    /// <summary>Longest <c>input</c> echoed back; a longer one is cut, so an error always fits in a message.</summary>
    private const int MaxInputChars = 1024;

    /// <summary>Deepest <c>input</c> echoed as JSON; a deeper one goes back as (cut) text that any reader can parse.</summary>
    private const int MaxInputDepth = 16;

    /// <summary><c>{"errors":[one error]}</c>.</summary>
    public static byte[] One(string type, string msg, string? inputText, string? ctxError = null) =>
        Errors(w => WriteError(w, type, [], msg, inputText is null ? null : new JValue(inputText), ctxError));

    /// <summary><c>{"errors":[one error]}</c> about the request's <paramref name="loc"/> (a header or property name; null: the whole input).</summary>
    public static byte[] At(string? loc, string type, string msg, string? inputText) =>
        Errors(w => WriteError(w, type, loc is null ? [] : [loc], msg, inputText is null ? null : new JValue(inputText)));

    /// <summary><c>{"errors":[...]}</c> for what NJsonSchema found wrong with <paramref name="root"/>.</summary>
    public static byte[] FromSchema(ICollection<ValidationError> errors, JToken root) => Errors(w =>
    {
        foreach (var error in Flatten(errors))
        {
            var loc = Location(error);
            var (type, msg) = Describe(error);
            WriteError(w, type, loc, msg, error.Kind == ValidationErrorKind.PropertyRequired ? Parent(root, loc) : error.Token);
        }
    });

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
        _ => (JsonNamingPolicy.SnakeCaseLower.ConvertName(error.Kind.ToString()), error.ToString()),
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
                w.WriteStringValue(Protocol.MeshJsonText.Scrub(part.ToString()!));
            }
        }

        w.WriteEndArray();
        w.WriteString("msg", Protocol.MeshJsonText.Scrub(msg));
        w.WritePropertyName("input");
        WriteInput(w, input);
        if (ctxError is not null)
        {
            w.WriteStartObject("ctx");
            w.WriteString("error", Protocol.MeshJsonText.Scrub(ctxError));
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>The offending value as JSON; cut to text when it is too long or too deep to send back whole.</summary>
    private static void WriteInput(Utf8JsonWriter w, JToken? input)
    {
        if (input is null)
        {
            w.WriteNullValue();
            return;
        }

        if (input is JValue { Type: JTokenType.String } text)
        {
            w.WriteStringValue(Protocol.MeshJsonText.Scrub(Cut((string)text!)));
            return;
        }

        var json = input.ToString(Formatting.None);
        if (json.Length <= MaxInputChars && Depth(json) <= MaxInputDepth)
        {
            w.WriteRawValue(Protocol.MeshJsonText.Scrub(json), skipInputValidation: true);
        }
        else
        {
            w.WriteStringValue(Protocol.MeshJsonText.Scrub(Cut(json)));
        }
    }

    private static string Cut(string text) => text.Length <= MaxInputChars ? text : string.Concat(text.AsSpan(0, MaxInputChars), "...");

    /// <summary>How deeply <paramref name="json"/> nests arrays and objects (brackets inside strings do not count).</summary>
    private static int Depth(string json)
    {
        int depth = 0, max = 0;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '[' or '{')
            {
                max = Math.Max(max, ++depth);
            }
            else if (c is ']' or '}')
            {
                depth--;
            }
        }

        return max;
    }
}
