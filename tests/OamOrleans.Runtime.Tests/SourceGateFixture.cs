using System.Collections.Concurrent;
using System.Text;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// One nats-server with shared-context values written before any silo starts, silo A hosting the source and gate test
/// agents, and silo B (same cluster) hosting only the queue-grouped source agent.
/// </summary>
public sealed class SourceGateFixture : IAsyncLifetime
{
    public NatsServer Nats { get; private set; } = null!;

    /// <summary>Silo A (every source and gate agent) and silo B (a second <c>QueuedSourceAgent</c> only).</summary>
    public TestSiloCluster Silos { get; private set; } = null!;

    public IMeshHost MeshA => Silos.Meshes[0];

    public IMeshHost MeshB => Silos.Meshes[1];

    public NatsConnection Raw { get; private set; } = null!;

    public MeshClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync();
        Raw = Nats.Connect();
        await Raw.ConnectAsync();
        Client = await MeshClient.ConnectAsync(Nats.Url);
        await Client.Kv.PutJsonAsync("srcreplay.a", new Reading("a", 1));
        await Client.Kv.PutAsync("srcskip.old", "old");
        await Client.Kv.PutAsync("gates.preset", "go");
        Silos = await TestSiloCluster.StartAsync(Nats.Url, silos: 2, agentsOf: i => i == 0 ? SiloAAgents : s => s.AddAgent<QueuedSourceAgent>());
    }

    private static void SiloAAgents(ISiloBuilder s) => s
            .AddAgent<ModelSourceAgent>()
            .AddAgent<RawSourceAgent>()
            .AddAgent<EnvelopeSourceAgent>()
            .AddAgent<QueuedSourceAgent>()
            .AddAgent<KvReplaySourceAgent>()
            .AddAgent<KvSkipSourceAgent>()
            .AddAgent<SourceBoundResponderAgent>()
            .AddAgent<KvGatedAgent>()
            .AddAgent<SubjectGatedAgent>()
            .AddAgent<InitiallyOpenAgent>()
            .AddAgent<PresetGatedAgent>()
            .AddAgent<ShortDrainGatedAgent>();

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await Raw.DisposeAsync();
        await Silos.DisposeAsync();
        await Nats.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SourceGateCollection : ICollectionFixture<SourceGateFixture>
{
    public const string Name = "sources-and-gates";
}

/// <summary>Collects the <c>mesh.logs.{agent}</c> events of one agent from the moment it is created.</summary>
internal sealed class LogTail : IAsyncDisposable
{
    private readonly INatsSub<byte[]> _sub;
    private readonly Task _loop;
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly ConcurrentQueue<(string Event, int Probe)> _probes = new();

    private LogTail(INatsSub<byte[]> sub, Func<int>? probe)
    {
        _sub = sub;
        _loop = Task.Run(async () =>
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync())
            {
                var e = LogEvent.Parse(msg.Data ?? []);
                if (probe is not null)
                {
                    _probes.Enqueue((e.Event, probe()));
                }

                _events.Enqueue(e);
            }
        });
    }

    /// <param name="probe">Read as each event arrives (e.g. how many handlers are running in this process).</param>
    public static async Task<LogTail> StartAsync(INatsConnection nats, string agent, Func<int>? probe = null)
    {
        var sub = await nats.SubscribeCoreAsync<byte[]>(MeshSubjects.Logs(agent));
        await nats.PingAsync();
        return new LogTail(sub, probe);
    }

    /// <summary>The probe's values when the events named <paramref name="event"/> arrived.</summary>
    public IReadOnlyList<int> ProbesAt(string @event) => _probes.Where(p => p.Event == @event).Select(p => p.Probe).ToList();

    public int Count(string @event) => _events.Count(e => e.Event == @event);

    public Task WaitAsync(string @event, int count = 1) =>
        SourceSink.WaitAsync(() => Count(@event) >= count, $"{count} {@event} event(s)");

    public async ValueTask DisposeAsync()
    {
        await _sub.UnsubscribeAsync();
        await _loop;
    }
}

internal static class Bytes
{
    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
