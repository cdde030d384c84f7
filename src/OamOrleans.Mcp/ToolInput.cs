using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Mcp;

/// <summary>
/// MCP requires a tool's <c>inputSchema</c> to be an object schema. An agent whose input is a scalar or an array (e.g.
/// <c>demo.greet</c>, input <c>"string"</c>) is exported with its input wrapped as the one required property
/// <c>input</c>, and unwrapped again on call. Object inputs pass through unchanged.
/// </summary>
internal sealed class ToolInput
{
    public const string WrappedProperty = "input";

    private ToolInput(JsonObject schema, bool wrapped)
    {
        Schema = schema;
        Wrapped = wrapped;
    }

    /// <summary>The schema MCP clients see (always an object schema).</summary>
    public JsonObject Schema { get; }

    /// <summary>True when the agent's own input is the value of <see cref="WrappedProperty"/>.</summary>
    public bool Wrapped { get; }

    public static ToolInput From(JsonNode? agentInputSchema)
    {
        if (agentInputSchema is null)
        {
            return new ToolInput(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() }, wrapped: false);
        }

        if (agentInputSchema is JsonObject obj && IsObjectSchema(obj))
        {
            return new ToolInput((JsonObject)obj.DeepClone(), wrapped: false);
        }

        // $defs must stay at the root for "#/$defs/..." references inside the wrapped schema to resolve.
        var inner = agentInputSchema.DeepClone();
        JsonNode? defs = null;
        if (inner is JsonObject innerObj && innerObj.Remove("$defs", out defs))
        {
        }

        var wrappedSchema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { [WrappedProperty] = inner },
            ["required"] = new JsonArray(WrappedProperty),
        };
        if (defs is not null)
        {
            wrappedSchema["$defs"] = defs;
        }

        return new ToolInput(wrappedSchema, wrapped: true);
    }

    /// <summary>The body to send to the agent for the MCP call's <paramref name="arguments"/> (already validated).</summary>
    public byte[] ToAgentBody(JsonObject arguments)
    {
        JsonNode? payload = Wrapped ? arguments[WrappedProperty] : arguments;
        return payload is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(payload);
    }

    private static bool IsObjectSchema(JsonObject schema) =>
        schema["type"] is JsonValue type && type.TryGetValue<string>(out var t) ? t == "object"
            // No type but properties (or a $ref to an object model): treat as an object, as MCP clients do.
            : schema.ContainsKey("properties");
}
