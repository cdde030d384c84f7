using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using OamOrleans.Client;
using Xunit;

namespace OamSilo.Tests;

/// <summary>
/// A real nats-server with JetStream (from PATH, or NATS_SERVER) and the silo as its own process, on free ports;
/// both are killed at the end. The tests call the agents over NATS with <see cref="MeshClient"/>.
/// </summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("oam-silo-tests-").FullName;
    private Process? _nats;
    private Process? _silo;
    private readonly List<string> _siloOutput = [];

    public MeshClient Mesh { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var natsPort = FreePort();
        var url = $"nats://127.0.0.1:{natsPort}";
        _nats = Start(Environment.GetEnvironmentVariable("NATS_SERVER") ?? "nats-server",
            ["-js", "-a", "127.0.0.1", "-p", natsPort.ToString(), "-sd", _dataDir], null, []);

        var siloDll = typeof(SiloFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SiloDll").Value!;
        _silo = Start("dotnet", ["exec", siloDll], Path.GetDirectoryName(siloDll), new()
        {
            ["Oam__Url"] = url,
            ["Oam__SiloPort"] = FreePort().ToString(),
            ["Oam__GatewayPort"] = FreePort().ToString(),
        }, _siloOutput);

        Mesh = await ConnectAsync(url, TimeSpan.FromSeconds(30));
        await WaitForAgentAsync("oamchannel.counter", TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        if (Mesh is not null)
        {
            await Mesh.DisposeAsync();
        }

        foreach (var process in new[] { _silo, _nats })
        {
            if (process is { HasExited: false })
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process?.Dispose();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    private static async Task<MeshClient> ConnectAsync(string url, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await MeshClient.ConnectAsync(url);
            }
            catch (MeshException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Waits until the silo has registered the agent in the mesh catalog.</summary>
    private async Task WaitForAgentAsync(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!(await Mesh.CatalogAsync()).Any(e => e.Name == name))
        {
            if (_silo!.HasExited || DateTime.UtcNow > deadline)
            {
                lock (_siloOutput)
                {
                    throw new InvalidOperationException($"the silo did not register {name}:\n{string.Join('\n', _siloOutput)}");
                }
            }

            await Task.Delay(250);
        }
    }

    private static Process Start(string file, string[] args, string? workingDirectory, Dictionary<string, string> env, List<string>? output = null)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var (key, value) in env)
        {
            psi.Environment[key] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        void Record(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is not null && output is not null)
            {
                lock (output)
                {
                    output.Add(e.Data);
                }
            }
        }

        process.OutputDataReceived += Record;
        process.ErrorDataReceived += Record;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
