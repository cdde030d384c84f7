using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OamOrleans.Protocol;

/// <summary>
/// Conversions of a contract for models and other agent ecosystems, equal to the reference SDK's: the provider-neutral
/// tool, Anthropic and OpenAI tool definitions, and the A2A agent card. Each returns a new document; the contract's
/// schemas are never changed.
/// </summary>
public sealed partial record AgentContract
{
    /// <summary>The rule a tool name must meet (the strictest of the providers').</summary>
    public const string ToolNamePattern = "^[a-zA-Z0-9_-]{1,64}$";

    /// <summary>
    /// The tool name of an agent: dots become <c>_</c>, so <c>a.b</c> and <c>a_b</c> share one name (as in the reference).
    /// </summary>
    /// <exception cref="ArgumentException">The result breaks <see cref="ToolNamePattern"/> (e.g. longer than 64 characters).</exception>
    public static string ToolNameOf(string agentName)
    {
        ArgumentNullException.ThrowIfNull(agentName);
        return TrySanitize(agentName, out var toolName, out var error) ? toolName : throw new ArgumentException(error, nameof(agentName));
    }

    /// <summary>
    /// The provider-neutral tool: <c>{"name", "description", "input_schema"}</c>. The description gets a
    /// <c>Returns: k1, k2.</c> line when the output schema has properties; no input schema gives an empty object schema.
    /// </summary>
    /// <exception cref="InvalidOperationException">The agent is not invocable, or its name makes no valid tool name.</exception>
    public JsonObject ToToolSchema() => new()
    {
        ["name"] = ToolNameOrThrow(),
        ["description"] = ToolDescription(),
        ["input_schema"] = ToolInputSchema(),
    };

    /// <summary>The Anthropic Messages API tool: the same document as <see cref="ToToolSchema"/>.</summary>
    /// <exception cref="InvalidOperationException">The agent is not invocable, or its name makes no valid tool name.</exception>
    public JsonObject ToAnthropicTool() => ToToolSchema();

    /// <summary>
    /// The OpenAI tool for Chat Completions or Responses. With <paramref name="strict"/> the parameters are cleaned for
    /// strict mode (<see cref="StrictSchema"/>) and <c>"strict": true</c> is added; without it there is no <c>strict</c> key.
    /// </summary>
    /// <exception cref="InvalidOperationException">The agent is not invocable, or its name makes no valid tool name.</exception>
    public JsonObject ToOpenAITool(OpenAIToolApi api = OpenAIToolApi.Chat, bool strict = false)
    {
        var name = ToolNameOrThrow();
        var parameters = ToolInputSchema();
        if (strict && parameters is JsonObject root)
        {
            StrictSchema.Clean(root);
        }

        var function = new JsonObject
        {
            ["name"] = name,
            ["description"] = ToolDescription(),
            ["parameters"] = parameters,
        };
        if (strict)
        {
            function["strict"] = true;
        }

        if (api == OpenAIToolApi.Responses)
        {
            var flat = new JsonObject { ["type"] = "function" };
            foreach (var (key, value) in function.ToArray())
            {
                function.Remove(key);
                flat[key] = value;
            }

            return flat;
        }

        return new JsonObject { ["type"] = "function", ["function"] = function };
    }

    /// <summary>
    /// The A2A agent card: the registry document without <c>x-agentmesh</c> (name, description, version, capabilities,
    /// skills; empty schemas left out), plus <c>url</c> when given. Any agent converts, invocable or not.
    /// </summary>
    public JsonObject ToAgentCard(string? url = null)
    {
        var skill = new JsonObject
        {
            ["id"] = Name,
            ["name"] = Name,
            ["description"] = Description,
            ["tags"] = new JsonArray(Tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        };
        if (IsPresent(InputSchema))
        {
            skill["inputSchema"] = InputSchema!.DeepClone();
        }

        if (IsPresent(OutputSchema))
        {
            skill["outputSchema"] = OutputSchema!.DeepClone();
        }

        var card = new JsonObject
        {
            ["name"] = Name,
            ["description"] = Description,
            ["version"] = Version,
            ["capabilities"] = new JsonObject { ["streaming"] = Streaming, ["invocable"] = Invocable },
            ["skills"] = new JsonArray(skill),
        };
        if (url is not null)
        {
            card["url"] = url;
        }

        return card;
    }

    private string ToolNameOrThrow()
    {
        if (!Invocable)
        {
            throw new InvalidOperationException($"Agent '{Name}' is not invocable (publisher)");
        }

        return TrySanitize(Name, out var toolName, out var error) ? toolName : throw new InvalidOperationException(error);
    }

    private string ToolDescription()
    {
        if (OutputSchema is JsonObject output && output["properties"] is JsonObject { Count: > 0 } properties)
        {
            return $"{Description}\nReturns: {string.Join(", ", properties.Select(p => p.Key))}.";
        }

        return Description;
    }

    private JsonNode ToolInputSchema() =>
        IsPresent(InputSchema) ? InputSchema!.DeepClone() : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };

    /// <summary>A schema the reference treats as given: not null and not an empty object (Python truthiness).</summary>
    private static bool IsPresent(JsonNode? schema) => schema is not null and not JsonObject { Count: 0 };

    private static bool TrySanitize(string agentName, out string toolName, out string error)
    {
        toolName = agentName.Replace('.', '_');
        var valid = ToolNameRegex().IsMatch(toolName);
        error = valid ? "" : $"Tool name '{toolName}' (from '{agentName}') does not match {ToolNamePattern}";
        return valid;
    }

    // \z, not $: a name ending in a newline is no tool name (Python's and .NET's $ both accept one there).
    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ToolNameRegex();
}
