using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using OamOrleans.Testing;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>
/// In-process silos that use only NATS (membership + grain storage) and an external client that finds them through the
/// NATS gateway list. Short membership timeouts so a killed silo is declared dead in seconds.
/// </summary>
/// <remarks>
/// Not Orleans' InProcessTestClusterBuilder: the NATS membership table and gateway list are what these tests prove, and
/// that builder brings its own membership (or, without it, still its own cluster ids, ports and silo names), while
/// here in-process silos, silo processes (<see cref="SiloProgram"/>, killed with SIGKILL) and a later cluster on the
/// same ids must all be built by the one <see cref="BuildSilo"/>.
/// </remarks>
internal sealed class ClusterHarness(string natsUrl, string? clusterId = null, string? serviceId = null) : IAsyncDisposable
{
    public const string StorageName = "nats";
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    private readonly List<IHost> _silos = [];
    private readonly List<SiloProcess> _processes = [];
    private IHost? _clientHost;

    public string ClusterId { get; } = clusterId ?? "cluster-" + Guid.NewGuid().ToString("N")[..8];

    public string ServiceId { get; } = serviceId ?? "service-" + Guid.NewGuid().ToString("N")[..8];

    public IReadOnlyList<IHost> Silos => _silos;

    public IClusterClient Client => _clientHost?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("no client");

    public async Task<IHost> StartSiloAsync(string name)
    {
        var host = BuildSilo(natsUrl, ClusterId, ServiceId, name);
        await host.StartAsync();
        _silos.Add(host);
        return host;
    }

    /// <summary>Starts a silo in a child process (this test assembly run as an executable) that a test can SIGKILL.</summary>
    public async Task<SiloProcess> StartSiloProcessAsync(string name)
    {
        var process = await SiloProcess.StartAsync(natsUrl, ClusterId, ServiceId, name);
        _processes.Add(process);
        return process;
    }

    /// <summary>The silo configuration shared by in-process silos and <see cref="SiloProgram"/>.</summary>
    public static IHost BuildSilo(string natsUrl, string clusterId, string serviceId, string name)
    {
        var siloPort = NatsServer.FreePort();
        var gatewayPort = NatsServer.FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
            silo.UseNatsClustering(natsUrl);
            silo.AddNatsGrainStorage(StorageName, natsUrl);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        });
        return builder.Build();
    }

    public async Task StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            client.UseNatsClustering(natsUrl);
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        });
        _clientHost = builder.Build();
        await _clientHost.StartAsync();
    }

    public async Task StopClientAsync()
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync();
            _clientHost.Dispose();
            _clientHost = null;
        }
    }

    /// <summary>
    /// Kills a silo as abruptly as one process can: no lifecycle stop (the silo never marks itself dead or hands off
    /// its grains), its sockets and NATS connections are torn down by disposing the host's services.
    /// </summary>
    public async Task KillSiloAsync(IHost silo)
    {
        _silos.Remove(silo);
        if (silo is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            silo.Dispose();
        }
    }

    public async Task StopAllSilosAsync()
    {
        await Task.WhenAll(_silos.Select(s => s.StopAsync()));
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }

        _silos.Clear();
    }

    public static string AddressOf(IHost silo) => SiloAddressOf(silo).ToString();

    public static SiloAddress SiloAddressOf(IHost silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    /// <summary>Waits until the client sees exactly <paramref name="count"/> active silos.</summary>
    public async Task WaitForActiveSilosAsync(int count, TimeSpan timeout)
    {
        var management = Client.GetGrain<IManagementGrain>(0);
        await Poll.UntilAsync(async () =>
        {
            var hosts = await management.GetHosts(onlyActive: true);
            return hosts.Count == count;
        }, $"the client sees {count} active silos", timeout, interval: TimeSpan.FromMilliseconds(100));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        try
        {
            await StopClientAsync();
        }
        catch (Exception)
        {
        }

        foreach (var silo in _silos)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await silo.StopAsync(cts.Token);
            }
            catch (Exception)
            {
            }

            silo.Dispose();
        }

        _silos.Clear();
    }
}
