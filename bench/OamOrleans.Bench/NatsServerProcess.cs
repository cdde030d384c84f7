using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OamOrleans.Bench;

/// <summary>A private nats-server (JetStream in a temp folder, free port) for one benchmark run; killed on dispose.</summary>
internal sealed class NatsServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private NatsServerProcess(Process process, string dataDir, int port, string version)
    {
        _process = process;
        _dataDir = dataDir;
        Port = port;
        Version = version;
    }

    private static readonly string[] Candidates = ["/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"];

    public int Port { get; }

    public string Version { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public static async Task<NatsServerProcess> StartAsync()
    {
        var binary = Candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server is not installed: apt-get update && apt-get install -y nats-server");
        var version = (await RunAsync(binary, "--version")).Trim();
        var port = FreePort();
        var dataDir = Directory.CreateTempSubdirectory("oam-bench-nats-").FullName;
        var config = Path.Combine(dataDir, "nats.conf");
        await File.WriteAllTextAsync(config, $$"""
            listen: 127.0.0.1:{{port}}
            jetstream { store_dir: "{{Path.Combine(dataDir, "js")}}", max_memory_store: 1GB, max_file_store: 20GB }
            """);
        var psi = new ProcessStartInfo(binary, ["-c", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start nats-server");
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new NatsServerProcess(process, dataDir, port, version);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }

        return server;
    }

    public int ProcessId => _process.Id;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task<string> RunAsync(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            return output;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
