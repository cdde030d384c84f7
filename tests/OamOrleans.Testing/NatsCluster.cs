using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;
using OamOrleans.Nats;

namespace OamOrleans.Testing;

/// <summary>
/// A real 3-node NATS JetStream cluster: three <c>nats-server</c> processes on free ports, each with its
/// <c>server_name</c>, JetStream in a folder of its own and <c>cluster { routes }</c> to all three, as production runs it.
/// Started together (JetStream answers only once a meta leader is elected, which takes a quorum); killed and cleaned up
/// on dispose. A node can be SIGKILLed and restarted on its port and store.
/// </summary>
public sealed class NatsCluster : IAsyncDisposable
{
    private readonly string _dataDir;

    private NatsCluster(string dataDir, IReadOnlyList<Node> nodes)
    {
        _dataDir = dataDir;
        Nodes = nodes;
    }

    /// <summary>The nodes, in start order (names n1, n2, n3).</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>Every node's URL, comma-separated: a seed list for <c>OAM_URL</c>.</summary>
    public string Urls => string.Join(',', Nodes.Select(n => n.Url));

    /// <summary>Starts the nodes and waits until each accepts connections and JetStream answers on it.</summary>
    public static async Task<NatsCluster> StartAsync(int size = 3)
    {
        if (NatsServerProcess.FindBinary() is null)
        {
            throw new InvalidOperationException("nats-server is not installed: run 'apt-get install -y nats-server' (the README's test command does this).");
        }

        var dataDir = Directory.CreateTempSubdirectory("oam-nats-cluster-").FullName;
        var ports = Enumerable.Range(0, size).Select(_ => (Client: NatsServer.FreePort(), Route: NatsServer.FreePort())).ToList();
        var routes = string.Join(", ", ports.Select(p => $"nats-route://127.0.0.1:{p.Route}"));
        var clusterName = "oam-test-" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var starts = ports.Select((p, i) => NatsServerProcess.StartAsync(new NatsServerSpec
            {
                Port = p.Client,
                Directory = Path.Combine(dataDir, $"n{i + 1}"),
                ServerName = $"n{i + 1}",
                ExtraConfig = $"cluster {{\n  name: {clusterName}\n  listen: 127.0.0.1:{p.Route}\n  routes: [{routes}]\n}}",
                ReadyTimeout = TimeSpan.FromSeconds(60),
            })).ToList();
            var servers = await Task.WhenAll(starts);
            var cluster = new NatsCluster(dataDir, servers.Select((s, i) => new Node($"n{i + 1}", s)).ToList());
            await cluster.WaitForJetStreamAsync(TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            NatsServerProcess.DeleteDirectory(dataDir);
            throw;
        }
    }

    /// <summary>Waits until an R<see cref="Nodes"/> stream can be created and removed: every node takes part in JetStream.</summary>
    public async Task WaitForJetStreamAsync(TimeSpan timeout)
    {
        await using var nats = new NatsConnection(new NatsOpts { Url = Urls, Name = "cluster-readiness" });
        var js = nats.CreateJetStreamContext();
        var probe = "READY_" + Guid.NewGuid().ToString("N")[..8];
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await js.CreateStreamAsync(new NATS.Client.JetStream.Models.StreamConfig(probe, [probe + ".>"]) { NumReplicas = Nodes.Count(n => n.Running) });
                await js.DeleteStreamAsync(probe);
                return true;
            }
            catch (NatsJSApiException)
            {
                return false;
            }
        }, $"the {Nodes.Count}-node cluster's JetStream takes a replicated stream", timeout, interval: TimeSpan.FromMilliseconds(250));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.KillAsync();
        }

        NatsServerProcess.DeleteDirectory(_dataDir);
    }

    /// <summary>One node of the cluster.</summary>
    public sealed class Node
    {
        private readonly NatsServerProcess server;

        internal Node(string name, NatsServerProcess server)
        {
            Name = name;
            this.server = server;
        }

        public string Name { get; }

        public string Url => server.Url;

        public int Port => server.Port;

        /// <summary>False after <see cref="KillAsync"/> until <see cref="RestartAsync"/>.</summary>
        public bool Running { get; private set; } = true;

        /// <summary>SIGKILL: the node gets no chance to hand over leadership or say goodbye.</summary>
        public async Task KillAsync()
        {
            Running = false;
            await server.KillAsync();
        }

        /// <summary>Starts the node again on its port, config and JetStream store.</summary>
        public async Task RestartAsync()
        {
            await server.RestartAsync();
            Running = true;
        }

        /// <summary>A plain NATS connection to this node (a "foreign" client: no code of ours).</summary>
        public NatsConnection Connect(string name) => new(new NatsOpts { Url = Url, Name = name });

        public string RecentLog(int lines = 50) => server.RecentLog(lines);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} (port {Port})");
    }
}
