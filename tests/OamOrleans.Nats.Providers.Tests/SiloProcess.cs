using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>A silo in its own OS process: this test assembly started with <c>silo &lt;nats&gt; &lt;cluster&gt; &lt;service&gt; &lt;name&gt;</c>.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SiloProcess(Process process, string parsableAddress, string address)
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
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var psi = new ProcessStartInfo(dotnet, ["exec", typeof(SiloProcess).Assembly.Location, "silo", natsUrl, clusterId, serviceId, name])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the silo process");
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("READY ", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult(e.Data["READY ".Length..]);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"silo process exited early: {string.Join('\n', errors)}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new SiloProcess(process, address, SiloAddress.FromParsableString(address).ToString());
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown code of the silo runs at all.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
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
