using System.Text.Json;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Net;

namespace OamOrleans.AdminUi.Mesh;

/// <summary>One silo row of an Orleans membership table.</summary>
internal sealed record SiloRow(string ClusterId, string Address, string? Name, string? Host, string Status, int GatewayPort, DateTime? Started, DateTime? LastAlive);

/// <summary>What the Orleans view shows: the silos, or why there are none.</summary>
internal sealed record MembershipView(IReadOnlyList<SiloRow> Silos, string? Problem);

/// <summary>
/// Reads the Orleans membership tables that <c>UseNatsClustering</c> keeps in JetStream KV (one key per cluster id, a
/// JSON document with every silo row; see src/OamOrleans.Clustering.Nats/MembershipDocument.cs). Read leniently: a row
/// it cannot read is skipped, never a crash.
/// </summary>
internal sealed class OrleansMembership(IOptions<AdminUiOptions> options)
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;

    public string Bucket => options.Value.MembershipBucket;

    public async Task<MembershipView> ReadAsync(INatsConnection connection, CancellationToken cancellationToken)
    {
        INatsKVStore store;
        try
        {
            store = await connection.CreateKeyValueStoreContext().GetStoreAsync(Bucket, cancellationToken);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return new MembershipView([], $"No membership bucket '{Bucket}': no silo uses NATS clustering on this mesh (localhost clustering keeps membership in the silo's memory).");
        }

        var silos = new List<SiloRow>();
        await foreach (var key in store.GetKeysAsync(cancellationToken: cancellationToken))
        {
            var entry = await store.TryGetEntryAsync(key, serializer: Raw, cancellationToken: cancellationToken);
            if (entry.Success && entry.Value.Value is { } value)
            {
                silos.AddRange(Parse(key, value));
            }
        }

        return new MembershipView([.. silos.OrderBy(s => s.ClusterId, StringComparer.Ordinal).ThenBy(s => s.Address, StringComparer.Ordinal)], null);
    }

    private static IEnumerable<SiloRow> Parse(string clusterId, byte[] json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            yield break;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("members", out var members)
                || members.ValueKind != JsonValueKind.Array)
            {
                yield break;
            }

            foreach (var m in members.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.Object && Text(m, "siloAddress") is { } address)
                {
                    yield return new SiloRow(
                        clusterId,
                        address,
                        Text(m, "siloName"),
                        Text(m, "hostName"),
                        m.TryGetProperty("status", out var status) ? status.ToString() : "?",
                        m.TryGetProperty("proxyPort", out var port) && port.TryGetInt32(out var p) ? p : 0,
                        Time(m, "startTime"),
                        Time(m, "iAmAliveTime"));
                }
            }
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTime? Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetDateTime(out var t) ? t : null;
}
