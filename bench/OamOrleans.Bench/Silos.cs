using OamOrleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.KeyValueStore;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using Orleans.Configuration;

namespace OamOrleans.Bench;

internal enum StateStorage
{
    Memory,
    NatsKv,
}

/// <summary>An in-process Orleans silo hosting the sample agents and <c>bench.relay</c> on the run's nats-server.</summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchSilo(IHost host, int gatewayPort)
    {
        _host = host;
        GatewayPort = gatewayPort;
    }

    public int GatewayPort { get; }

    /// <summary>
    /// The storage of every KV bucket the KV rows write (the silo's state bucket, the KV floor's, the KV write rows'): file, as
    /// the grain storage defaults to, or <c>OAM_BENCH_KV_STORAGE=memory</c> to see what JetStream's file store costs.
    /// </summary>
    public static NatsKVStorageType KvStorage { get; } =
        string.Equals(Environment.GetEnvironmentVariable("OAM_BENCH_KV_STORAGE"), "memory", StringComparison.OrdinalIgnoreCase) ? NatsKVStorageType.Memory : NatsKVStorageType.File;

    /// <summary>The conversations' turn log size: the default, or <c>OAM_BENCH_TURN_LOG_SIZE</c> to A/B another.</summary>
    public static int TurnLogSize { get; } = int.TryParse(Environment.GetEnvironmentVariable("OAM_BENCH_TURN_LOG_SIZE"), out var size) ? size : new MeshHostOptions().TurnLogSize;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<BenchSilo> StartAsync(string natsUrl, StateStorage storage, TimeSpan? responseTimeout = null)
    {
        var siloPort = NatsServer.FreePort();
        var gatewayPort = NatsServer.FreePort();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort);
            if (responseTimeout is { } timeout)
            {
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
            }

            if (storage == StateStorage.Memory)
            {
                // One in-process silo: state in its memory, no storage-grain call per turn.
                silo.AddSiloMemoryGrainStorage("oam-state");
            }
            else
            {
                silo.AddNatsGrainStorage("oam-state", o =>
                {
                    o.Endpoint = new MeshEndpoint(natsUrl);
                    o.StorageType = KvStorage;
                });
            }

            silo.AddOpenAgentMesh(o =>
            {
                o.Endpoint = new MeshEndpoint(natsUrl);
                o.TurnLogSize = TurnLogSize;
            });
            silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
            silo.AddAgent<RelayAgent>();
        });
        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host, gatewayPort);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(cts.Token);
        _host.Dispose();
    }
}

/// <summary>An external Orleans client (its own generic host) that reaches the silo through its gateway.</summary>
internal sealed class BenchClient : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchClient(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<BenchClient> StartAsync(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort));
        var host = builder.Build();
        await host.StartAsync();
        return new BenchClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
