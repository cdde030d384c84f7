using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Protocol;

/// <summary>One entry of the <c>mesh-catalog</c> document (§4.2). Unknown fields are kept in <see cref="Extra"/>.</summary>
public sealed record CatalogEntry
{
    /// <summary>The version readers assume when an entry or contract has none, <c>0.1.0</c> as in the reference.</summary>
    public const string DefaultVersion = "0.1.0";

    private static readonly string[] KnownFields = ["name", "description", "version", "tags", "invocable", "streaming"];

    /// <summary>The agent's dotted name.</summary>
    public required string Name { get; init; }

    /// <summary>What the agent does; empty when the entry has no description.</summary>
    public string Description { get; init; } = "";

    /// <summary>The agent's version; <see cref="DefaultVersion"/> when missing.</summary>
    public string Version { get; init; } = DefaultVersion;

    /// <summary>Tags discovery filters on.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>False for agents that take no requests (publishers, source-only agents); true when missing.</summary>
    public bool Invocable { get; init; } = true;

    /// <summary>True when the agent answers with stream frames; false when missing.</summary>
    public bool Streaming { get; init; }

    /// <summary>Fields written by other SDKs that this version does not know; written back unchanged.</summary>
    public JsonObject? Extra { get; init; }

    /// <summary>Reads one catalog item with the reference's defaults; unknown fields are kept in <see cref="Extra"/>.</summary>
    public static CatalogEntry FromJson(JsonObject obj) => new()
    {
        Name = JsonRead.String(obj, "name"),
        Description = JsonRead.String(obj, "description"),
        Version = JsonRead.String(obj, "version", DefaultVersion),
        Tags = JsonRead.Strings(obj, "tags"),
        Invocable = JsonRead.Bool(obj, "invocable", true),
        Streaming = JsonRead.Bool(obj, "streaming", false),
        Extra = JsonRead.Unknown(obj, KnownFields),
    };

    /// <summary>Writes the entry as a JSON object in the reference's key order, unknown fields last.</summary>
    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("name", Name);
        w.WriteString("description", Description);
        w.WriteString("version", Version);
        JsonRead.WriteStrings(w, "tags", Tags);
        w.WriteBoolean("invocable", Invocable);
        w.WriteBoolean("streaming", Streaming);
        JsonRead.WriteUnknown(w, Extra);
        w.WriteEndObject();
    }

    /// <summary>The entry as a mutable JSON object (as <see cref="WriteTo"/> writes it).</summary>
    public JsonObject ToJsonObject() => (JsonObject)JsonNode.Parse(JsonRead.Write(WriteTo))!;
}
