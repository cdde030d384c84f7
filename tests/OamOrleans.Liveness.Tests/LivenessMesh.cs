using System.Collections.Concurrent;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Liveness.Tests;

/// <summary>
/// A real nats-server configured like the reference's <c>oam mesh up</c> (§8): account APP (JetStream, user
/// <c>oam-app</c>), account SYS (user <c>oam-sys</c>), <c>system_account: SYS</c>, <c>no_auth_user: oam-app</c>; plus a
/// raw APP connection, the mesh buckets and a recorder of every <c>mesh.death.&gt;</c> message.
/// </summary>
internal sealed class LivenessMesh : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly INatsSub<byte[]> _deathSub;
    private readonly Task _deathLoop;

    private LivenessMesh(NatsServer server, NatsConnection connection, MeshRegistry registry,
        INatsKVStore catalog, INatsKVStore contracts, INatsKVStore instances, INatsSub<byte[]> deathSub)
    {
        Server = server;
        Connection = connection;
        Registry = registry;
        Catalog = catalog;
        Contracts = contracts;
        Instances = instances;
        _deathSub = deathSub;
        _deathLoop = Task.Run(async () =>
        {
            await foreach (var msg in deathSub.Msgs.ReadAllAsync())
            {
                Deaths.Enqueue(new Death(msg.Subject, msg.Headers, msg.Data ?? []));
            }
        });
    }

    public NatsServer Server { get; }

    /// <summary>APP account with explicit credentials (what a silo gets as OAM_URL).</summary>
    public string AppUrl => Server.AppUrl;

    /// <summary>System account (what the monitor gets as its sys URL).</summary>
    public string SysUrl => Server.SysUrl;

    /// <summary>A plain APP connection without credentials: <c>no_auth_user</c> puts it in APP.</summary>
    public NatsConnection Connection { get; }

    public MeshRegistry Registry { get; }

    public INatsKVStore Catalog { get; }

    public INatsKVStore Contracts { get; }

    public INatsKVStore Instances { get; }

    public ConcurrentQueue<Death> Deaths { get; } = new();

    public static async Task<LivenessMesh> StartAsync()
    {
        var server = await NatsServer.StartAsync(accounts: true);
        var connection = server.Connect("liveness-test");
        await connection.ConnectAsync();
        var registry = await MeshRegistry.OpenAsync(connection);
        var kv = connection.CreateKeyValueStoreContext();
        var catalog = await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Catalog);
        var contracts = await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Registry);
        var instances = await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Instances);
        var deathSub = await connection.SubscribeCoreAsync<byte[]>(MeshSubjects.DeathPrefix + ">");
        await connection.PingAsync();
        return new LivenessMesh(server, connection, registry, catalog, contracts, instances, deathSub);
    }

    /// <summary>A monitor that opens its own APP and SYS connections from URLs, as <c>oam mesh monitor --url --sys-url</c> does.</summary>
    public async Task<HealthMonitor> StartMonitorAsync()
    {
        var monitor = await HealthMonitor.StartAsync(new HealthMonitorOptions { Url = AppUrl, SysUrl = SysUrl });
        _owned.Add(monitor);
        return monitor;
    }

    public async Task<NatsConnection> ConnectSysAsync(string name = "liveness-test-sys")
    {
        var sys = new NatsConnection(NatsOpts.Default with { Url = SysUrl, Name = name });
        await sys.ConnectAsync();
        _owned.Add(sys);
        return sys;
    }

    public async Task<HostProcess> StartHostAsync(string instanceId, params string[] agents)
    {
        var host = await HostProcess.StartAsync(AppUrl, instanceId, agents);
        _owned.Add(host);
        return host;
    }

    public async Task<IReadOnlyList<string>> CatalogNamesAsync()
    {
        var doc = await Registry.ReadCatalogAsync();
        return doc.Entries.Select(e => e.Name).ToList();
    }

    public async Task<bool> HasContractAsync(string name) => await HasKeyAsync(Contracts, name);

    public async Task<bool> HasInstanceAsync(string instanceId) => await HasKeyAsync(Instances, instanceId);

    public IReadOnlyList<Death> DeathsOf(string agent) => Deaths.Where(d => d.Subject == MeshSubjects.Death(agent)).ToList();

    /// <summary>
    /// A host that dies without a process: writes an instance record, opens a connection named <c>oam-host-{id}</c> and
    /// closes it without removing the record. Used as an ordering barrier: monitors handle advisories in order.
    /// </summary>
    public async Task VanishingHostAsync(string instanceId, params string[] agents)
    {
        await using var host = new NatsConnection(NatsOpts.Default with { Url = Server.Url, Name = MeshSubjects.ConnectionName(instanceId) });
        await host.ConnectAsync();
        var registry = await MeshRegistry.OpenAsync(host);
        foreach (var agent in agents)
        {
            await registry.RegisterAsync(new AgentContract { Name = agent, Description = "vanishing", RegisteredAt = MeshIds.Now() });
        }

        await registry.PutInstanceAsync(instanceId, agents);
    }

    private static async Task<bool> HasKeyAsync(INatsKVStore store, string key)
    {
        try
        {
            await store.GetEntryAsync<byte[]>(key);
            return true;
        }
        catch (Exception e) when (e is NatsKVKeyNotFoundException or NatsKVKeyDeletedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync();
            }
            catch (Exception)
            {
                // Best effort: the server goes away next anyway.
            }
        }

        await _deathSub.DisposeAsync();
        await _deathLoop.ContinueWith(_ => { }, TaskScheduler.Default);
        await Connection.DisposeAsync();
        await Server.DisposeAsync();
    }

    internal sealed record Death(string Subject, NatsHeaders? Headers, byte[] Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
    }
}
