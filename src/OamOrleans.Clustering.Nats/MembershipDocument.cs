using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans;
using Orleans.Runtime;

namespace OamOrleans.Clustering.Nats;

/// <summary>The JSON document stored under one cluster's key: table version, its etag and every silo row.</summary>
internal sealed class MembershipDocument
{
    /// <summary>Etag of a freshly initialized table (version 0). Later etags are random.</summary>
    public const string InitialEtag = "0";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public int Version { get; set; }

    public string VersionEtag { get; set; } = InitialEtag;

    public List<MembershipRow> Members { get; set; } = [];

    public static MembershipDocument Empty() => new();

    public static string NewEtag() => Guid.NewGuid().ToString("N");

    public MembershipRow? Find(SiloAddress silo)
    {
        var key = silo.ToParsableString();
        return Members.Find(m => m.SiloAddress == key);
    }

    public TableVersion TableVersion => new(Version, VersionEtag);

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static MembershipDocument Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<MembershipDocument>(json, Json) ?? throw new JsonException("membership document is null");
}

/// <summary>One silo's row: every <see cref="MembershipEntry"/> field plus the row etag.</summary>
internal sealed class MembershipRow
{
    public string Etag { get; set; } = "";

    public string SiloAddress { get; set; } = "";

    public SiloStatus Status { get; set; }

    public List<SuspectVote>? SuspectTimes { get; set; }

    public int ProxyPort { get; set; }

    public string? HostName { get; set; }

    public string? SiloName { get; set; }

    public string? RoleName { get; set; }

    public int UpdateZone { get; set; }

    public int FaultZone { get; set; }

    public DateTime StartTime { get; set; }

    public DateTime IAmAliveTime { get; set; }

    public static MembershipRow From(MembershipEntry entry, string etag) => new()
    {
        Etag = etag,
        SiloAddress = entry.SiloAddress.ToParsableString(),
        Status = entry.Status,
        SuspectTimes = entry.SuspectTimes?.Select(v => new SuspectVote { Silo = v.Item1.ToParsableString(), Time = v.Item2 }).ToList(),
        ProxyPort = entry.ProxyPort,
        HostName = entry.HostName,
        SiloName = entry.SiloName,
        RoleName = entry.RoleName,
        UpdateZone = entry.UpdateZone,
        FaultZone = entry.FaultZone,
        StartTime = entry.StartTime,
        IAmAliveTime = entry.IAmAliveTime,
    };

    public MembershipEntry ToEntry() => new()
    {
        SiloAddress = Orleans.Runtime.SiloAddress.FromParsableString(SiloAddress),
        Status = Status,
        SuspectTimes = SuspectTimes?.Select(v => Tuple.Create(Orleans.Runtime.SiloAddress.FromParsableString(v.Silo), v.Time)).ToList(),
        ProxyPort = ProxyPort,
        HostName = HostName ?? "",
        SiloName = SiloName ?? "",
        RoleName = RoleName,
        UpdateZone = UpdateZone,
        FaultZone = FaultZone,
        StartTime = StartTime,
        IAmAliveTime = IAmAliveTime,
    };
}

internal sealed class SuspectVote
{
    public string Silo { get; set; } = "";

    public DateTime Time { get; set; }
}
