using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OamOrleans.Testing;
using Orleans.Runtime;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>A silo in its own OS process: this test assembly started with <c>silo &lt;nats&gt; &lt;cluster&gt; &lt;service&gt; &lt;name&gt;</c>.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private const string Ready = "READY ";

    private readonly ChildProcess _process;

    private SiloProcess(ChildProcess process, string parsableAddress, string address)
    {
        _process = process;
        ParsableAddress = parsableAddress;
        Address = address;
    }

    /// <summary>The silo address as <see cref="SiloAddress.ToParsableString"/>.</summary>
    public string ParsableAddress { get; }

    /// <summary>The silo address as <see cref="SiloAddress.ToString"/> (what <c>Grain.RuntimeIdentity</c> shows).</summary>
    public string Address { get; }

    public static async Task<SiloProcess> StartAsync(string natsUrl, string clusterId, string serviceId, string name)
    {
        var (process, address) = await ChildProcess.StartTestAssemblyAsync(
            typeof(SiloProcess).Assembly, "the silo process", ["silo", natsUrl, clusterId, serviceId, name], Ready, TimeSpan.FromSeconds(60));
        return new SiloProcess(process, address, SiloAddress.FromParsableString(address).ToString());
    }

    /// <summary>SIGKILL: no shutdown code of the silo runs at all.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>Entry point when the test assembly runs as a silo executable (see <see cref="SiloProcess"/>).</summary>
public static class SiloProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["silo", var natsUrl, var clusterId, var serviceId, var name])
        {
            await Console.Error.WriteLineAsync("usage: silo <nats-url> <cluster-id> <service-id> <name>");
            return 2;
        }

        using var host = ClusterHarness.BuildSilo(natsUrl, clusterId, serviceId, name);
        await host.StartAsync();
        var address = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
        Console.WriteLine($"READY {address}");

        // Runs until killed, or stops gracefully when the parent closes stdin.
        await Console.In.ReadToEndAsync();
        await host.StopAsync();
        return 0;
    }
}
