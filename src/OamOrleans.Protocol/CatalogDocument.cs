using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OamOrleans.Protocol;

/// <summary>
/// The catalog value (bucket <c>mesh-catalog</c>, key <c>catalog</c>): a JSON array of entries in the order they were added.
/// Every item is kept as the exact JSON text that was read — other hosts' entries with their unknown fields, and
/// items this version cannot read at all (not objects, mistyped names, nesting deeper than our readers go) — so a CAS
/// update changes only our own entries.
/// </summary>
public sealed class CatalogDocument
{
    /// <summary>The KV bucket of the catalog, <c>mesh-catalog</c>.</summary>
    public const string Bucket = "mesh-catalog";
    /// <summary>The one key the whole catalog array is stored under, <c>catalog</c>.</summary>
    public const string Key = "catalog";

    /// <summary>Deep enough for any foreign item we only carry along; parsing the array is iterative, not recursive.</summary>
    private const int MaxForeignDepth = 10_000;

    private readonly List<Item> _items;

    private CatalogDocument(List<Item> items) => _items = items;

    /// <summary>A catalog with no entries: what a mesh starts from before any host registered.</summary>
    public static CatalogDocument Empty() => new([]);

    /// <summary>
    /// Parses a catalog value; an empty value, or one that is not a JSON array at all, reads as an empty catalog (there
    /// is no entry in it to keep). Items of an array are all kept, readable or not.
    /// </summary>
    public static CatalogDocument Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return Empty();
        }

        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxForeignDepth });
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return Empty();
            }

            return new CatalogDocument(doc.RootElement.EnumerateArray()
                .Select(e => new Item(NameOf(e), JsonMarshal.GetRawUtf8Value(e).ToArray()))
                .ToList());
        }
        catch (JsonException)
        {
            return Empty();
        }
    }

    /// <summary>The entries this version can read (objects; others are carried along but not listed).</summary>
    public IReadOnlyList<CatalogEntry> Entries => _items.Select(i => i.Entry()).OfType<CatalogEntry>().ToArray();

    /// <summary>True when some entry (ours or a foreign host's) has the name <paramref name="name"/>.</summary>
    public bool Contains(string name) => _items.Exists(i => i.Name == name);

    /// <summary>Drops any entry with the same name and appends <paramref name="entry"/> (the reference's register step).</summary>
    public CatalogDocument With(CatalogEntry entry)
    {
        var items = _items.Where(i => i.Name != entry.Name).ToList();
        items.Add(new Item(entry.Name, JsonRead.Write(entry.WriteTo)));
        return new CatalogDocument(items);
    }

    /// <summary>A copy without the entries named <paramref name="name"/> (the survivor rule's removal); other items are kept byte for byte.</summary>
    public CatalogDocument Without(string name) =>
        new(_items.Where(i => i.Name != name).ToList());

    /// <summary>The catalog value to write back (by compare-and-swap): the JSON array, unread items exactly as they were read.</summary>
    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartArray();
        foreach (var item in _items)
        {
            w.WriteRawValue(item.Raw, skipInputValidation: true); // read as valid JSON, written back byte for byte
        }

        w.WriteEndArray();
    });

    /// <summary>The item's <c>name</c> when it is an object with a readable string name, else null (never matches one of ours).</summary>
    private static string? NameOf(JsonElement item)
    {
        try
        {
            return item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()
                : null;
        }
        catch (InvalidOperationException)
        {
            return null; // a lone surrogate escape
        }
    }

    private sealed record Item(string? Name, byte[] Raw)
    {
        public CatalogEntry? Entry()
        {
            try
            {
                return JsonNode.Parse(Raw) is JsonObject obj ? CatalogEntry.FromJson(obj) : null;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
            {
                return null; // too deep, duplicate keys, lone surrogates: not an entry this version can list
            }
        }
    }
}
