using OamOrleans.Client;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Net;
using OamOrleans.Clustering.Nats;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Xunit;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>
/// The semantics Orleans' own MembershipTableTestsBase checks (dotnet/orleans test/TesterInternal/MembershipTests),
/// run against a real nats-server, plus NATS-specific checks (readable document, concurrency, cleanup, deletion).
/// </summary>
[Trait("Category", "Integration")]
public sealed class MembershipTableTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>, IAsyncLifetime
{
    private static int s_generation;
    private readonly string _clusterId = "test-" + Guid.NewGuid().ToString("N")[..12];
    private NatsMembershipTable _table = null!;
    private NatsGatewayListProvider _gateways = null!;

    public async Task InitializeAsync()
    {
        _table = CreateTable();
        await _table.InitializeMembershipTable(true);
        _gateways = new NatsGatewayListProvider(
            Options.Create(new NatsClusteringOptions { Endpoint = new MeshEndpoint(nats.Url) }),
            Options.Create(new ClusterOptions { ClusterId = _clusterId, ServiceId = "svc" }),
            Options.Create(new GatewayOptions()),
            NullLogger<NatsGatewayListProvider>.Instance);
        await _gateways.InitializeGatewayListProvider();
    }

    public async Task DisposeAsync()
    {
        await _table.DeleteMembershipTableEntries(_clusterId);
        await _table.DisposeAsync();
        await _gateways.DisposeAsync();
    }

    private NatsMembershipTable CreateTable() => new(
        Options.Create(new NatsClusteringOptions { Endpoint = new MeshEndpoint(nats.Url) }),
        Options.Create(new ClusterOptions { ClusterId = _clusterId, ServiceId = "svc" }),
        NullLogger<NatsMembershipTable>.Instance);

    [Fact]
    public async Task ReadAll_on_an_empty_table_gives_version_zero_with_an_etag()
    {
        var data = await _table.ReadAll();

        Assert.Empty(data.Members);
        Assert.NotNull(data.Version.VersionEtag);
        Assert.Equal(0, data.Version.Version);
    }

    [Fact]
    public async Task InsertRow_adds_the_row_and_sets_the_table_version()
    {
        var data = await _table.ReadAll();

        Assert.True(await _table.InsertRow(CreateEntry(), data.Version.Next()));

        data = await _table.ReadAll();
        Assert.Equal(1, data.Version.Version);
        Assert.Single(data.Members);
    }

    [Fact]
    public async Task InsertRow_fails_for_a_stale_version_or_a_duplicate_and_ReadRow_reads_one_row()
    {
        var data = await _table.ReadAll();
        var newTableVersion = data.Version.Next();
        var newEntry = CreateEntry();

        Assert.True(await _table.InsertRow(newEntry, newTableVersion));
        Assert.False(await _table.InsertRow(newEntry, newTableVersion), "same entry, old table version");
        Assert.False(await _table.InsertRow(CreateEntry(), newTableVersion), "new entry, old table version");

        data = await _table.ReadAll();
        Assert.Equal(1, data.Version.Version);
        Assert.False(await _table.InsertRow(newEntry, data.Version.Next()), "duplicate entry");

        data = await _table.ReadAll();
        Assert.Single(data.Members);

        data = await _table.ReadRow(newEntry.SiloAddress);
        Assert.Equal(newTableVersion.Version, data.Version.Version);
        Assert.NotEqual(newTableVersion.VersionEtag, data.Version.VersionEtag);
        var (entry, etag) = data.Members.Single();
        Assert.NotNull(etag);
        Assert.Equal(newEntry.ToFullString(), entry.ToFullString());

        var missing = await _table.ReadRow(CreateEntry().SiloAddress);
        Assert.Empty(missing.Members);
        Assert.Equal(data.Version, missing.Version);
    }

    [Fact]
    public async Task ReadAll_after_insert_returns_the_row_with_an_etag_and_a_new_version_etag()
    {
        var data = await _table.ReadAll();
        var newTableVersion = data.Version.Next();
        var newEntry = CreateEntry();
        Assert.True(await _table.InsertRow(newEntry, newTableVersion));

        data = await _table.ReadAll();

        Assert.Single(data.Members);
        Assert.NotEqual(newTableVersion.VersionEtag, data.Version.VersionEtag);
        Assert.Equal(newTableVersion.Version, data.Version.Version);
        Assert.NotNull(data.Members[0].Item2);
        Assert.Equal(newEntry.ToFullString(), data.Members[0].Item1.ToFullString());
    }

    [Fact]
    public async Task UpdateRow_requires_the_current_row_etag_and_table_version()
    {
        var tableData = await _table.ReadAll();
        Assert.Equal(0, tableData.Version.Version);

        for (var i = 1; i < 10; i++)
        {
            var siloEntry = CreateEntry();
            siloEntry.SuspectTimes =
            [
                Tuple.Create(CreateSiloAddress(), SecondsNow().AddSeconds(1)),
                Tuple.Create(CreateSiloAddress(), SecondsNow().AddSeconds(2)),
            ];
            var tableVersion = tableData.Version.Next();
            Assert.True(await _table.InsertRow(siloEntry, tableVersion));

            tableData = await _table.ReadAll();
            var etagBefore = tableData.TryGet(siloEntry.SiloAddress)!.Item2;
            Assert.NotNull(etagBefore);

            Assert.False(await _table.UpdateRow(siloEntry, etagBefore, tableVersion), "stale table version");
            tableData = await _table.ReadAll();

            tableVersion = tableData.Version.Next();
            siloEntry.Status = SiloStatus.Active;
            Assert.True(await _table.UpdateRow(siloEntry, etagBefore, tableVersion), $"update failed: {tableData}");
            Assert.False(await _table.UpdateRow(siloEntry, etagBefore, tableVersion), "old etag, old version");

            tableData = await _table.ReadAll();
            var tuple = tableData.TryGet(siloEntry.SiloAddress)!;
            Assert.Equal(siloEntry.ToFullString(), tuple.Item1.ToFullString());
            var etagAfter = tuple.Item2;
            Assert.NotEqual(etagBefore, etagAfter);

            Assert.False(await _table.UpdateRow(siloEntry, etagAfter, tableVersion), "current etag, old version");

            tableData = await _table.ReadAll();
            Assert.Equal(etagAfter, tableData.TryGet(siloEntry.SiloAddress)!.Item2);
            Assert.Equal(tableVersion.Version, tableData.Version.Version);
            Assert.Equal(i, tableData.Members.Count);
        }

        Assert.False(await _table.UpdateRow(CreateEntry(), "whatever", tableData.Version.Next()), "no such row");
    }

    [Fact]
    public async Task Parallel_inserts_and_updates_of_one_row_are_serialized_by_cas()
    {
        var tableData = await _table.ReadAll();
        var data = CreateEntry();
        var newTableVersion = tableData.Version.Next();

        var inserts = await Task.WhenAll(Enumerable.Range(1, 20).Select(_ => _table.InsertRow(data, newTableVersion)));
        Assert.Single(inserts, ok => ok);

        // Two tables = two silos with their own connections.
        await using var other = CreateTable();
        await other.InitializeMembershipTable(false);
        var tables = new[] { _table, other };
        await Task.WhenAll(Enumerable.Range(1, 19).Select(async i =>
        {
            var table = tables[i % 2];
            bool done;
            do
            {
                var updated = await table.ReadAll();
                var row = updated.TryGet(data.SiloAddress)!;
                done = await table.UpdateRow(row.Item1, row.Item2, updated.Version.Next());
            }
            while (!done);
        })).WaitAsync(TimeSpan.FromSeconds(60));

        tableData = await _table.ReadAll();
        Assert.Equal(20, tableData.Version.Version);
        Assert.Single(tableData.Members);
    }

    [Fact]
    public async Task UpdateIAmAlive_changes_only_the_heartbeat()
    {
        var tableData = await _table.ReadAll();
        var newEntry = CreateEntry();
        Assert.True(await _table.InsertRow(newEntry, tableData.Version.Next()));
        tableData = await _table.ReadAll();
        var (_, etagBefore) = tableData.Members.Single();

        var amAliveTime = DateTime.UtcNow;
        await _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = newEntry.SiloAddress, IAmAliveTime = amAliveTime });

        var after = await _table.ReadAll();
        var (member, etagAfter) = after.Members.Single();
        Assert.True((amAliveTime - member.IAmAliveTime).Duration() < TimeSpan.FromMilliseconds(50));
        Assert.Equal(tableData.Version, after.Version);
        Assert.Equal(etagBefore, etagAfter);
        Assert.Equal(newEntry.Status, member.Status);
        Assert.Equal(newEntry.StartTime, member.StartTime);

        // The row etag is unchanged, so an update prepared before the heartbeat still succeeds.
        newEntry.Status = SiloStatus.Active;
        Assert.True(await _table.UpdateRow(newEntry, etagBefore, tableData.Version.Next()));

        await Assert.ThrowsAnyAsync<OrleansException>(() =>
            _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = CreateSiloAddress(), IAmAliveTime = amAliveTime }));
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_removes_only_old_dead_rows()
    {
        var data = await _table.ReadAll();
        var oldEntry = CreateEntry();
        oldEntry.IAmAliveTime = oldEntry.IAmAliveTime.AddDays(-10);
        oldEntry.StartTime = oldEntry.StartTime.AddDays(-10);
        oldEntry.Status = SiloStatus.Dead;
        Assert.True(await _table.InsertRow(oldEntry, data.Version.Next()));

        data = await _table.ReadAll();
        var oldButAlive = CreateEntry();
        oldButAlive.IAmAliveTime = oldButAlive.IAmAliveTime.AddDays(-10);
        oldButAlive.StartTime = oldButAlive.StartTime.AddDays(-10);
        oldButAlive.Status = SiloStatus.Active;
        Assert.True(await _table.InsertRow(oldButAlive, data.Version.Next()));

        data = await _table.ReadAll();
        Assert.True(await _table.InsertRow(CreateEntry(), data.Version.Next()));

        data = await _table.ReadAll();
        Assert.Equal(3, data.Members.Count);

        await _table.CleanupDefunctSiloEntries(oldEntry.IAmAliveTime.AddDays(3));

        var after = await _table.ReadAll();
        Assert.Equal(2, after.Members.Count);
        Assert.Null(after.TryGet(oldEntry.SiloAddress));
        Assert.Equal(data.Version, after.Version);
    }

    [Fact]
    public async Task The_gateway_list_has_active_silos_with_a_proxy_port_only()
    {
        var entries = Enumerable.Range(0, 10).Select(_ => CreateEntry()).ToArray();
        entries[3].Status = SiloStatus.Active;
        entries[3].ProxyPort = 0;
        entries[5].Status = SiloStatus.Active;
        entries[9].Status = SiloStatus.Active;

        var data = await _table.ReadAll();
        Assert.Empty(data.Members);
        var version = data.Version;
        foreach (var entry in entries)
        {
            Assert.True(await _table.InsertRow(entry, version.Next()));
            version = (await _table.ReadRow(entry.SiloAddress)).Version;
        }

        var gateways = (await _gateways.GetGateways()).Select(g => g.ToString()).ToList();

        Assert.DoesNotContain(entries[3].SiloAddress.ToGatewayUri().ToString(), gateways);
        Assert.Contains(entries[5].SiloAddress.ToGatewayUri().ToString(), gateways);
        Assert.Contains(entries[9].SiloAddress.ToGatewayUri().ToString(), gateways);
        Assert.Equal(2, gateways.Count);
        Assert.True(_gateways.IsUpdatable);
    }

    [Fact]
    public async Task The_table_is_one_readable_json_document_and_deletion_removes_it()
    {
        var data = await _table.ReadAll();
        var entry = CreateEntry();
        Assert.True(await _table.InsertRow(entry, data.Version.Next()));

        await using var raw = nats.Server.Connect();
        var kv = await raw.CreateKeyValueStoreContext().GetStoreAsync(NatsClusteringOptions.DefaultBucketName);
        var value = await kv.GetEntryAsync<byte[]>(_clusterId, serializer: NatsRawSerializer<byte[]>.Default);
        using var json = JsonDocument.Parse(value.Value!);
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        var member = json.RootElement.GetProperty("members")[0];
        Assert.Equal(entry.SiloAddress.ToParsableString(), member.GetProperty("siloAddress").GetString());
        Assert.Equal("Joining", member.GetProperty("status").GetString());

        await _table.DeleteMembershipTableEntries(_clusterId);
        Assert.Empty((await _table.ReadAll()).Members);
        Assert.Empty(await _gateways.GetGateways());

        // Re-initialising after deletion gives a usable table again.
        await _table.InitializeMembershipTable(true);
        data = await _table.ReadAll();
        Assert.Equal(0, data.Version.Version);
        Assert.True(await _table.InsertRow(entry, data.Version.Next()));
    }

    [Fact]
    public async Task Cluster_ids_with_any_characters_are_separate_tables()
    {
        var ids = new[] { "a.b", "a=2Eb", "a b", "ünï/会話" };
        foreach (var id in ids)
        {
            await using var table = new NatsMembershipTable(
                Options.Create(new NatsClusteringOptions { Endpoint = new MeshEndpoint(nats.Url) }),
                Options.Create(new ClusterOptions { ClusterId = id + _clusterId, ServiceId = "svc" }),
                NullLogger<NatsMembershipTable>.Instance);
            await table.InitializeMembershipTable(true);
            var data = await table.ReadAll();
            Assert.Empty(data.Members);
            Assert.True(await table.InsertRow(CreateEntry(), data.Version.Next()));
            Assert.Single((await table.ReadAll()).Members);
            Assert.Matches("^[-/_=a-zA-Z0-9]+$", NatsMembershipStore.Key(id));
            await table.DeleteMembershipTableEntries(id + _clusterId);
        }
    }

    [Fact]
    public async Task A_client_before_any_silo_sees_no_gateways_instead_of_failing()
    {
        await using var gateways = new NatsGatewayListProvider(
            Options.Create(new NatsClusteringOptions { Endpoint = new MeshEndpoint(nats.Url), BucketName = "never-created-" + _clusterId }),
            Options.Create(new ClusterOptions { ClusterId = _clusterId, ServiceId = "svc" }),
            Options.Create(new GatewayOptions()),
            NullLogger<NatsGatewayListProvider>.Instance);
        await gateways.InitializeGatewayListProvider();
        Assert.Empty(await gateways.GetGateways());
    }

    [Theory]
    [InlineData("", "orleans-membership", 1)]
    [InlineData("redis://localhost", "orleans-membership", 1)]
    [InlineData("nats://localhost:4222", "has space", 1)]
    [InlineData("nats://localhost:4222", "orleans-membership", 9)]
    public void The_validator_rejects_unusable_options(string url, string bucket, int replicas) =>
        Assert.Throws<OrleansConfigurationException>(() =>
            new NatsClusteringOptionsValidator(Options.Create(new NatsClusteringOptions { Endpoint = new MeshEndpoint(url), BucketName = bucket, Replicas = replicas })).ValidateConfiguration());

    private static MembershipEntry CreateEntry()
    {
        var siloAddress = CreateSiloAddress();
        return new MembershipEntry
        {
            SiloAddress = siloAddress,
            HostName = Dns.GetHostName(),
            SiloName = "TestSiloName",
            Status = SiloStatus.Joining,
            ProxyPort = siloAddress.Endpoint.Port,
            StartTime = SecondsNow(),
            IAmAliveTime = SecondsNow(),
        };
    }

    private static SiloAddress CreateSiloAddress() =>
        SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 12345), Interlocked.Increment(ref s_generation));

    private static DateTime SecondsNow()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc);
    }
}
