using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Protocol;

/// <summary>
/// The catalog value (bucket <c>mesh-catalog</c>, key <c>catalog</c>): a JSON array of entries in the order they were added.
/// Entries of other hosts are kept as the raw JSON objects that were read, so their unknown fields survive a CAS update.
/// </summary>
public sealed class CatalogDocument
{
    public const string Bucket = "mesh-catalog";
    public const string Key = "catalog";

    private readonly List<JsonObject> _raw;

    private CatalogDocument(List<JsonObject> raw) => _raw = raw;

    public static CatalogDocument Empty() => new([]);

    /// <summary>Parses a catalog value; an empty or malformed value reads as an empty catalog, non-object items are dropped.</summary>
    public static CatalogDocument Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return Empty();
        }

        try
        {
            return JsonNode.Parse(utf8) is JsonArray array
                ? new CatalogDocument(array.OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()).ToList())
                : Empty();
        }
        catch (JsonException)
        {
            return Empty();
        }
    }

    public IReadOnlyList<CatalogEntry> Entries => _raw.Select(CatalogEntry.FromJson).ToArray();

    public bool Contains(string name) => _raw.Exists(o => JsonRead.String(o, "name") == name);

    /// <summary>Drops any entry with the same name and appends <paramref name="entry"/> (the reference's register step).</summary>
    public CatalogDocument With(CatalogEntry entry)
    {
        var raw = _raw.Where(o => JsonRead.String(o, "name") != entry.Name).ToList();
        raw.Add(entry.ToJsonObject());
        return new CatalogDocument(raw);
    }

    public CatalogDocument Without(string name) =>
        new(_raw.Where(o => JsonRead.String(o, "name") != name).ToList());

    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartArray();
        foreach (var o in _raw)
        {
            o.WriteTo(w);
        }

        w.WriteEndArray();
    });
}
