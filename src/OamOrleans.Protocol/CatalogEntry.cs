using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Protocol;

/// <summary>One entry of the <c>mesh-catalog</c> document (§4.2). Unknown fields are kept in <see cref="Extra"/>.</summary>
public sealed record CatalogEntry
{
    public const string DefaultVersion = "0.1.0";

    private static readonly string[] KnownFields = ["name", "description", "version", "tags", "invocable", "streaming"];

    public required string Name { get; init; }

    public string Description { get; init; } = "";

    public string Version { get; init; } = DefaultVersion;

    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool Invocable { get; init; } = true;

    public bool Streaming { get; init; }

    /// <summary>Fields written by other SDKs that this version does not know; written back unchanged.</summary>
    public JsonObject? Extra { get; init; }

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

    public JsonObject ToJsonObject() => (JsonObject)JsonNode.Parse(JsonRead.Write(WriteTo))!;
}
