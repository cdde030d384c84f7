using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Protocol;

/// <summary>
/// The contract document stored in <c>mesh-registry</c> under the agent name (§4.1): A2A-style with OAM extras under
/// <c>x-agentmesh</c>. Written in the reference's key order; read leniently (reader defaults of §4.1).
/// </summary>
public sealed partial record AgentContract
{
    /// <summary>The KV bucket contracts live in (<c>mesh-registry</c>), one key per agent name.</summary>
    public const string Bucket = "mesh-registry";

    private static readonly string[] KnownTop = ["name", "description", "version", "capabilities", "skills", "x-agentmesh"];

    /// <summary>The agent's dotted name, e.g. <c>nlp.summarizer</c>; also the registry key.</summary>
    public required string Name { get; init; }

    /// <summary>What the agent does, for people and for models choosing a tool.</summary>
    public required string Description { get; init; }

    /// <summary>The agent's version string; <see cref="CatalogEntry.DefaultVersion"/> when the document has none.</summary>
    public string Version { get; init; } = CatalogEntry.DefaultVersion;

    /// <summary>Free-form tags (<c>x-agentmesh.tags</c>) that discovery filters on.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>True when the agent answers stream requests with frames (<c>capabilities.streaming</c>).</summary>
    public bool Streaming { get; init; }

    /// <summary>False for publishers and source-only agents, which take no requests (<c>capabilities.invocable</c>).</summary>
    public bool Invocable { get; init; } = true;

    /// <summary>JSON Schema of the input; null when the agent takes no input.</summary>
    public JsonNode? InputSchema { get; init; }

    /// <summary>JSON Schema of the output; null for streamers, publishers and agents without output.</summary>
    public JsonNode? OutputSchema { get; init; }

    /// <summary>Schema of stream chunks or publisher events (<c>x-agentmesh.chunk_schema</c>).</summary>
    public JsonNode? ChunkSchema { get; init; }

    /// <summary>ISO-8601 registration time, as written.</summary>
    public string RegisteredAt { get; init; } = "";

    /// <summary><c>x-agentmesh.mcp</c>: whether the agent is offered as an MCP tool; null when the document does not say.</summary>
    public bool? Mcp { get; init; }

    /// <summary>The invocation subject, <c>mesh.agent.{name}</c>.</summary>
    public string Subject => MeshSubjects.Agent(Name);

    /// <summary>Unknown top-level fields, kept for round trips.</summary>
    public JsonObject? Extra { get; init; }

    /// <summary>The catalog entry that lists this agent: name, description, version, tags and flags, without schemas.</summary>
    public CatalogEntry ToCatalogEntry() => new()
    {
        Name = Name,
        Description = Description,
        Version = Version,
        Tags = Tags,
        Invocable = Invocable,
        Streaming = Streaming,
    };

    /// <summary>The registry value: UTF-8 JSON in the reference's key order, unknown fields written back.</summary>
    public byte[] ToJsonBytes() => JsonRead.Write(WriteTo);

    /// <summary>Writes the registry document to <paramref name="w"/> (as <see cref="ToJsonBytes"/> does).</summary>
    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("name", Name);
        w.WriteString("description", Description);
        w.WriteString("version", Version);
        w.WriteStartObject("capabilities");
        w.WriteBoolean("streaming", Streaming);
        w.WriteBoolean("invocable", Invocable);
        w.WriteEndObject();
        w.WriteStartArray("skills");
        w.WriteStartObject();
        w.WriteString("id", Name);
        w.WriteString("name", Name);
        w.WriteString("description", Description);
        JsonRead.WriteStrings(w, "tags", Tags);
        WriteNode(w, "inputSchema", InputSchema);
        WriteNode(w, "outputSchema", OutputSchema);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("x-agentmesh");
        w.WriteString("subject", Subject);
        JsonRead.WriteStrings(w, "tags", Tags);
        w.WriteString("registered_at", RegisteredAt);
        WriteNode(w, "chunk_schema", ChunkSchema);
        if (Mcp is { } mcp)
        {
            w.WriteBoolean("mcp", mcp);
        }

        w.WriteEndObject();
        JsonRead.WriteUnknown(w, Extra);
        w.WriteEndObject();
    }

    /// <summary>Reads a registry value with the reference's defaults; throws <see cref="FormatException"/> without a name and description.</summary>
    public static AgentContract Parse(ReadOnlySpan<byte> utf8)
    {
        var obj = JsonRead.ParseObject(utf8) ?? throw new FormatException("contract document is not a JSON object");
        if (obj["name"] is null || obj["description"] is null)
        {
            throw new FormatException("contract document lacks 'name' or 'description'");
        }

        var caps = obj["capabilities"] as JsonObject ?? [];
        var skill = (obj["skills"] as JsonArray)?.FirstOrDefault() as JsonObject ?? [];
        var mesh = obj["x-agentmesh"] as JsonObject ?? [];
        return new AgentContract
        {
            Name = JsonRead.String(obj, "name"),
            Description = JsonRead.String(obj, "description"),
            Version = JsonRead.String(obj, "version", CatalogEntry.DefaultVersion),
            Invocable = JsonRead.Bool(caps, "invocable", true),
            Streaming = JsonRead.Bool(caps, "streaming", false),
            Tags = JsonRead.Strings(mesh, "tags"),
            InputSchema = skill["inputSchema"]?.DeepClone(),
            OutputSchema = skill["outputSchema"]?.DeepClone(),
            ChunkSchema = mesh["chunk_schema"]?.DeepClone(),
            RegisteredAt = JsonRead.String(mesh, "registered_at"),
            Mcp = mesh["mcp"] is JsonValue m && m.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? m.GetValue<bool>() : null,
            Extra = JsonRead.Unknown(obj, KnownTop),
        };
    }

    private static void WriteNode(Utf8JsonWriter w, string name, JsonNode? node)
    {
        if (node is not null)
        {
            w.WritePropertyName(name);
            node.WriteTo(w);
        }
    }

}
