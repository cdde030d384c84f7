using System.Globalization;
using System.Text;
using System.Text.Json;
using OamOrleans.Nats;
using Orleans;
using Orleans.Runtime;

namespace OamOrleans.Clustering.Nats;

/// <summary>The JSON value stored under one reminder's key, and the key scheme of the reminder bucket.</summary>
internal sealed record ReminderDocument(string GrainId, string Name, DateTime StartAt, TimeSpan Period)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ReminderDocument From(ReminderEntry entry) =>
        new(entry.GrainId.ToString(), entry.ReminderName, entry.StartAt.ToUniversalTime(), entry.Period);

    public ReminderEntry ToEntry(ulong revision) => new()
    {
        GrainId = Orleans.Runtime.GrainId.Parse(GrainId),
        ReminderName = Name,
        StartAt = DateTime.SpecifyKind(StartAt, DateTimeKind.Utc),
        Period = Period,
        ETag = Etag(revision),
    };

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The document, or null when the value is not one (another writer's data is skipped, never fatal).</summary>
    public static ReminderDocument? TryDeserialize(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<ReminderDocument>(json, Json) is { GrainId.Length: > 0, Name: not null } document ? document : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string Etag(ulong revision) => revision.ToString(CultureInfo.InvariantCulture);

    /// <summary>The KV revision an etag names, or 0 when it cannot be one of ours.</summary>
    public static ulong Revision(string? etag) =>
        ulong.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    /// <summary>The key prefix (with its trailing dot) of every reminder of a service.</summary>
    public static string ServicePrefix(string serviceId) => Segment(serviceId) + ".";

    /// <summary>The key prefix (with its trailing dot) of every reminder of one grain.</summary>
    public static string GrainPrefix(string serviceId, GrainId grainId) =>
        $"{ServicePrefix(serviceId)}{Hash(grainId)}.{Segment(grainId.ToString())}.";

    public static string Key(string serviceId, GrainId grainId, string reminderName) => GrainPrefix(serviceId, grainId) + Segment(reminderName);

    /// <summary>The grain hash a key carries (its second token), or null for a key of another shape.</summary>
    public static uint? HashOf(string key, int servicePrefixLength) =>
        key.Length >= servicePrefixLength + 9 && key[servicePrefixLength + 8] == '.'
        && uint.TryParse(key.AsSpan(servicePrefixLength, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash)
            ? hash
            : null;

    /// <summary>True when <paramref name="hash"/> lies in Orleans' ring range (<paramref name="begin"/>, <paramref name="end"/>], which wraps past zero when begin ≥ end.</summary>
    public static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static string Hash(GrainId grainId) => grainId.GetUniformHashCode().ToString("x8", CultureInfo.InvariantCulture);

    private static string Segment(string value) => KvKeySegment.Encode(Encoding.UTF8.GetBytes(value));
}
