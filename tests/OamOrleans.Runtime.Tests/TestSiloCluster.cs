using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using Orleans.TestingHost;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// Several in-process silos of one Orleans cluster, built by Orleans' own <see cref="InProcessTestClusterBuilder"/>
/// (in-memory membership, free ports), each hosting agents on the test's nats-server like <see cref="TestSilo"/>.
/// For multi-silo behaviour where a real process is not the point; crashes are tested with real processes.
/// </summary>
public sealed class TestSiloCluster : IAsyncDisposable
{
    private readonly InProcessTestCluster _cluster;

    private TestSiloCluster(InProcessTestCluster cluster) => _cluster = cluster;

    /// <summary>The mesh host of each running silo, the primary first.</summary>
    public IReadOnlyList<IMeshHost> Meshes => [.. _cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IMeshHost>())];

    /// <param name="silos">How many silos to start.</param>
    /// <param name="agentsOf">Which agents silo <c>i</c> (0: the primary) hosts; null: every sample and test agent on each.
    /// With it, the silos may differ, so Orleans is not told they are homogeneous.</param>
    /// <param name="storage">Adds the <c>oam-state</c> grain storage on every silo; null adds Orleans' memory storage.</param>
    /// <param name="log">Receives every silo's log, from Debug up; null: nothing is logged.</param>
    public static async Task<TestSiloCluster> StartAsync(string natsUrl, short silos, Func<int, Action<ISiloBuilder>>? agentsOf = null, Action<ISiloBuilder>? storage = null, ILoggerProvider? log = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.InitializeClientOnDeploy = false;
        builder.Options.ConfigureFileLogging = false;
        builder.Options.AssumeHomogenousSilosForTesting = agentsOf is null;
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Logging.ClearProviders();
            if (log is not null)
            {
                host.Logging.AddProvider(log).SetMinimumLevel(LogLevel.Debug);
            }
        });
        builder.ConfigureSilo((options, silo) =>
        {
            if (storage is null)
            {
                silo.AddMemoryGrainStorage("oam-state");
            }
            else
            {
                storage(silo);
            }

            silo.AddOpenAgentMesh(o =>
            {
                o.Endpoint = new OamOrleans.Client.MeshEndpoint(natsUrl);
                o.DrainTimeout = TimeSpan.FromSeconds(10);
            });
            if (agentsOf is null)
            {
                silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
                silo.AddAgentsFromAssembly(typeof(TestSiloCluster).Assembly);
            }
            else
            {
                agentsOf(IndexOf(options.SiloName))(silo);
            }
        });
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return new TestSiloCluster(cluster);
    }

    /// <summary>The services of silo <paramref name="index"/> (0: the primary).</summary>
    public IServiceProvider ServicesOf(int index) => _cluster.Silos[index].ServiceProvider;

    /// <summary>Graceful stop of silo <paramref name="index"/>: its bridge drains and deregisters.</summary>
    public Task StopSiloAsync(int index) => _cluster.StopSiloAsync(_cluster.Silos[index]);

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    /// <summary>InProcessTestCluster names its silos <c>Silo_0</c> (the primary), <c>Silo_1</c>, ...</summary>
    private static int IndexOf(string siloName) =>
        int.Parse(siloName[(siloName.LastIndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
