using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// One mesh agent as an <see cref="AIFunction"/>: name, description and JSON schema from the contract's tool conversion;
/// invoking it calls the agent and returns its JSON reply. A mesh error is returned, not thrown, as
/// <c>{"error": {"code", "message", "agent", "details"?}}</c>, so the model sees the code and the conversation goes on.
/// </summary>
/// <remarks>
/// Models need an object schema for a function's parameters: an agent whose input is a scalar or an array
/// (<c>demo.greet</c> takes a string) is offered as <c>{"input": &lt;its schema&gt;}</c>, and the value of <c>input</c> is the
/// body of the call. An agent without input takes no parameters and is called with an empty body.
/// </remarks>
internal sealed class MeshAIFunction : AIFunction
{
    /// <summary>The key of <see cref="AITool.AdditionalProperties"/> that holds the agent's mesh name.</summary>
    public const string AgentProperty = "oam.agent";

    /// <summary>The parameter that carries a non-object input.</summary>
    public const string WrappedInput = "input";

    // AIJsonUtilities' options write indented JSON: bodies and results go out compact.
    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private readonly AgentCall _call;
    private readonly InputShape _shape;
    private readonly Dictionary<string, object?> _properties;

    /// <summary>Calls the agent with a JSON body and returns the reply body; throws <see cref="MeshException"/> on a mesh error.</summary>
    public delegate Task<ReadOnlyMemory<byte>> AgentCall(ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    private enum InputShape
    {
        None,
        Object,
        Wrapped,
    }

    /// <exception cref="InvalidOperationException">The contract does not convert to a tool (not invocable, or its name makes no tool name).</exception>
    public MeshAIFunction(AgentContract contract, AgentCall call)
    {
        var tool = contract.ToToolSchema();
        Name = (string)tool["name"]!;
        Description = (string)tool["description"]!;
        var input = tool["input_schema"]!;
        tool.Remove("input_schema"); // detached: it becomes part of another document
        (_shape, input) = contract.InputSchema is null or JsonObject { Count: 0 }
            ? (InputShape.None, input)
            : IsObjectSchema(input)
                ? (InputShape.Object, input)
                : (InputShape.Wrapped, Wrap(input));
        JsonSchema = JsonSerializer.SerializeToElement(input, Compact);
        ReturnJsonSchema = contract.OutputSchema is { } output ? JsonSerializer.SerializeToElement(output, Compact) : null;
        _properties = new Dictionary<string, object?> { [AgentProperty] = contract.Name };
        _call = call;
    }

    public override string Name { get; }

    public override string Description { get; }

    public override JsonElement JsonSchema { get; }

    public override JsonElement? ReturnJsonSchema { get; }

    public override IReadOnlyDictionary<string, object?> AdditionalProperties => _properties;

    public override JsonSerializerOptions JsonSerializerOptions => AIJsonUtilities.DefaultOptions;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _call(Body(arguments), cancellationToken).ConfigureAwait(false);
            return Result(reply.Span);
        }
        catch (MeshException e)
        {
            return ErrorResult(e);
        }
    }

    /// <summary>The tool result for a mesh error: the code first, so the model can tell a retry from a wrong input.</summary>
    public static JsonElement ErrorResult(MeshException error)
    {
        var body = new JsonObject
        {
            ["code"] = error.Code,
            ["message"] = error.Message,
            ["agent"] = error.Agent,
        };
        if (error.Details.ValueKind == JsonValueKind.Object && error.Details.EnumerateObject().Any())
        {
            body["details"] = JsonNode.Parse(error.Details.GetRawText());
        }

        return JsonSerializer.SerializeToElement(new JsonObject { ["error"] = body }, Compact);
    }

    private byte[] Body(AIFunctionArguments arguments)
    {
        if (_shape == InputShape.None)
        {
            return [];
        }

        // A wrapped input without "input" at all sends an empty body, which the agent refuses with invalid_input.
        object? wrapped = null;
        if (_shape == InputShape.Wrapped && !arguments.TryGetValue(WrappedInput, out wrapped))
        {
            return [];
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, MeshJsonText.WriterOptions))
        {
            if (_shape == InputShape.Wrapped)
            {
                WriteValue(writer, wrapped);
            }
            else
            {
                writer.WriteStartObject();
                foreach (var (key, argument) in arguments)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, argument);
                }

                writer.WriteEndObject();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An argument as JSON: models' arguments arrive as JSON elements; code may pass any serializable value.</summary>
    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case JsonNode node:
                node.WriteTo(writer);
                break;
            default:
                JsonSerializer.Serialize(writer, value, value.GetType(), Compact);
                break;
        }
    }

    /// <summary>The reply as JSON; a body that is not JSON (a foreign agent) goes back as a string.</summary>
    private static object? Result(ReadOnlySpan<byte> reply)
    {
        if (reply.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<JsonElement>(reply);
        }
        catch (JsonException)
        {
            return System.Text.Encoding.UTF8.GetString(reply);
        }
    }

    private static bool IsObjectSchema(JsonNode schema) => schema is JsonObject obj && obj["type"] switch
    {
        JsonValue type => type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() == "object",
        JsonArray types => types.Any(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == "object"),
        null => obj.ContainsKey("properties"),
        _ => false,
    };

    /// <summary>
    /// <c>{"type": "object", "properties": {"input": schema}, "required": ["input"]}</c>; the schema's root
    /// <c>$defs</c>/<c>definitions</c> move to the wrapper's root, where its <c>#/$defs/…</c> references point.
    /// </summary>
    private static JsonObject Wrap(JsonNode schema)
    {
        var wrapper = new JsonObject { ["type"] = "object" };
        if (schema is JsonObject obj)
        {
            foreach (var key in new[] { "$defs", "definitions" })
            {
                if (obj[key] is { } defs)
                {
                    obj.Remove(key);
                    wrapper[key] = defs;
                }
            }
        }

        wrapper["properties"] = new JsonObject { [WrappedInput] = schema };
        wrapper["required"] = new JsonArray(WrappedInput);
        return wrapper;
    }
}
