using System.Text;
using System.Text.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;

namespace OamOrleans;

/// <summary>
/// Validates a request body against an agent's input schema before the grain is called: strict UTF-8 and strict JSON
/// first (what the agent's System.Text.Json deserializer will read: no lone surrogate escapes, no lenient syntax), then
/// the schema, through the compiled <see cref="FastSchemaCheck"/> when it can decide and NJsonSchema otherwise. Every
/// problem is described for <c>details.errors</c> by <see cref="PydanticErrors"/>.
/// </summary>
internal sealed class InputValidator(JsonSchema schema)
{
    private const int MaxDepth = 64;

    /// <summary>A one-pass System.Text.Json check compiled from the schema, when the schema is simple enough (else null).</summary>
    private readonly FastSchemaCheck? _fast = FastSchemaCheck.TryCompile(schema);

    /// <summary>The compiled check, when the schema has one (exposed for the differential tests).</summary>
    internal FastSchemaCheck? Fast => _fast;

    /// <summary>Parses and validates; on failure says why, in a message and as Pydantic-style <c>details.errors</c>.</summary>
    public bool TryValidate(ReadOnlySpan<byte> body, out string message, out byte[] errorsJson) =>
        TryValidate(body, useFast: true, out message, out errorsJson);

    /// <summary>The same check; without <paramref name="useFast"/> NJsonSchema decides every body (the differential tests compare the two).</summary>
    internal bool TryValidate(ReadOnlySpan<byte> body, bool useFast, out string message, out byte[] errorsJson)
    {
        message = "";
        errorsJson = [];
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            const string notUtf8 = "Request body is not valid UTF-8";
            message = notUtf8;
            errorsJson = PydanticErrors.One("utf8_invalid", notUtf8, null);
            return false;
        }

        // A lone surrogate can only come from a \u escape: look for one only when the body has any.
        if (body.IndexOf("\\u"u8) >= 0 && StrictJsonProblem(body) is { } escapeProblem)
        {
            return InvalidJson(body, escapeProblem, out message, out errorsJson);
        }

        // Fast path: strict JSON that the compiled check accepts is valid for NJsonSchema too. Anything else goes
        // through the full path below, which also writes the error details.
        if (useFast && _fast is { } fast && fast.TryAccept(body))
        {
            return true;
        }

        if (StrictJsonProblem(body) is { } problem)
        {
            return InvalidJson(body, problem, out message, out errorsJson);
        }

        JToken token;
        try
        {
            using var reader = new JsonTextReader(new StringReader(Encoding.UTF8.GetString(body)))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Decimal,
                MaxDepth = MaxDepth,
            };
            token = JToken.ReadFrom(reader);
        }
        catch (JsonReaderException e)
        {
            return InvalidJson(body, e.Message, out message, out errorsJson);
        }

        // NJsonSchema cannot compare a BigInteger (IConvertible casts throw); as a double it is still the number it was.
        foreach (var big in (token is JContainer container ? container.DescendantsAndSelf() : [token]).OfType<JValue>().Where(v => v.Value is System.Numerics.BigInteger).ToList())
        {
            big.Value = (double)(System.Numerics.BigInteger)big.Value!;
        }

        ICollection<NJsonSchema.Validation.ValidationError> errors;
        try
        {
            errors = schema.Validate(token);
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException or FormatException)
        {
            errorsJson = PydanticErrors.At(null, "value_error", $"Input could not be checked against the schema: {e.Message}", Encoding.UTF8.GetString(body));
            return false;
        }

        if (errors.Count == 0)
        {
            return true;
        }

        errorsJson = PydanticErrors.FromSchema(errors, token);
        return false;
    }

    /// <summary>Pydantic's shape for unparseable input: type <c>json_invalid</c>, the raw text as input, the reason in <c>ctx.error</c>.</summary>
    private static bool InvalidJson(ReadOnlySpan<byte> body, string reason, out string message, out byte[] errorsJson)
    {
        message = "Request body is not valid JSON";
        errorsJson = PydanticErrors.One("json_invalid", $"Invalid JSON: {reason}", Encoding.UTF8.GetString(body), reason);
        return false;
    }

    /// <summary>
    /// Why System.Text.Json (what the agent deserializes with) cannot read <paramref name="body"/> as one JSON value,
    /// or null when it can: syntax, nesting deeper than 64, trailing content, strings and names whose escapes do not
    /// make valid UTF-16 (lone surrogates).
    /// </summary>
    internal static string? StrictJsonProblem(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.ValueIsEscaped && reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    _ = reader.GetString();
                }
            }

            return reader.BytesConsumed == 0 ? "EOF while parsing a value" : null;
        }
        catch (System.Text.Json.JsonException e)
        {
            return e.Message;
        }
        catch (InvalidOperationException e)
        {
            return $"{e.Message} (at byte {reader.TokenStartIndex})";
        }
    }
}
