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

    /// <summary>Parses and validates; on success returns the parsed token (used to read the conversation key).</summary>
    public bool TryValidate(ReadOnlySpan<byte> body, out JToken? token, out string message, out byte[] errorsJson)
    {
        token = null;
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            const string notUtf8 = "Request body is not valid UTF-8";
            message = notUtf8;
            errorsJson = Errors(w => WriteError(w, "utf8_invalid", [], notUtf8, null));
            return false;
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
            var msg = e.Message;
            errorsJson = Errors(w => WriteError(w, "json_invalid", [], $"Invalid JSON: {msg}", null));
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
        _ => (SnakeCase(error.Kind.ToString()), error.ToString()),
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
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("errors");
            writeItems(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteError(Utf8JsonWriter w, string type, List<object> loc, string msg, JToken? input)
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

        w.WriteEndObject();
    }
}
