using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Testing;

/// <summary>A real Orleans silo (generic host, localhost clustering) hosting the sample and test agents on a given NATS.</summary>
/// <remarks>
/// Linked into the test projects that host agents in process (Runtime, Cli); not in OamOrleans.Testing, which stays free
/// of Orleans and the runtime for the tests that need neither.
/// </remarks>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TestSilo(IHost host, int siloPort)
    {
        _host = host;
        SiloPort = siloPort;
    }

    public int SiloPort { get; }

    public IMeshHost Mesh => _host.Services.GetRequiredService<IMeshHost>();

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    /// <param name="primary">Another silo to join; null starts a new cluster.</param>
    /// <param name="agents">Which agents to host; null hosts every sample agent and those of the test assembly that links this file.</param>
    /// <param name="storage">Adds the <c>oam-state</c> grain storage; null adds Orleans' memory storage (shared by the silos of a cluster).</param>
    /// <param name="logs">Receives the silo's warnings and errors; null: no logging.</param>
    public static async Task<TestSilo> StartAsync(
        string natsUrl,
        TestSilo? primary = null,
        Action<MeshHostOptions>? configure = null,
        Action<ISiloBuilder>? agents = null,
        Action<ISiloBuilder>? storage = null,
        ILoggerProvider? logs = null)
    {
        var siloPort = NatsServer.FreePort();
        var gatewayPort = NatsServer.FreePort();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(
                siloPort,
                gatewayPort,
                primary is null ? null : new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, primary.SiloPort));
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
                configure?.Invoke(o);
            });
            if (agents is null)
            {
                silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
                silo.AddAgentsFromAssembly(typeof(TestSilo).Assembly);
            }
            else
            {
                agents(silo);
            }
        });
        var host = builder.Build();
        await host.StartAsync();
        return new TestSilo(host, siloPort);
    }

    /// <summary>Graceful stop: the bridge drains and deregisters.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
