using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;

namespace OamOrleans.Testing;

/// <summary>
/// A real <c>nats-server</c> process with JetStream in a temporary folder, on a free port.
/// Started by test fixtures; killed and cleaned up on dispose.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private readonly Func<NatsOpts, NatsOpts> _clientOpts;

    private NatsServer(ChildProcess process, int port, int? maxPayload, Func<NatsOpts, NatsOpts>? clientOpts)
    {
        _clientOpts = clientOpts ?? (o => o);
        _process = process;
        Port = port;
        MaxPayload = maxPayload;
    }

    public int Port { get; }

    public int? MaxPayload { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>Starts a server and waits until it accepts connections.</summary>
    /// <param name="extraConfig">Extra lines for the server config file (accounts, limits, tls).</param>
    /// <param name="clientOpts">How test clients must connect (e.g. TLS files); used by the readiness probe and <see cref="Connect"/>.</param>
    /// <param name="port">The port to listen on (e.g. one a process under test already dials); null: a free one.</param>
    public static async Task<NatsServer> StartAsync(int? maxPayload = null, string? extraConfig = null, Func<NatsOpts, NatsOpts>? clientOpts = null, int? port = null)
    {
        var binary = FindBinary();
        port ??= FreePort();
        var dataDir = Directory.CreateTempSubdirectory("oam-nats-").FullName;
        var config = Path.Combine(dataDir, "nats.conf");
        await File.WriteAllTextAsync(config, $$"""
            listen: 127.0.0.1:{{port}}
            jetstream { store_dir: "{{Path.Combine(dataDir, "js")}}" }
            {{(maxPayload is { } mp ? $"max_payload: {mp}" : "")}}
            {{extraConfig ?? ""}}
            """);
        var process = ChildProcess.Start(new ChildProcessOptions
        {
            Name = "nats-server",
            FileName = binary,
            Arguments = ["-c", config],
            WorkingDirectory = dataDir,
            DeleteWorkingDirectory = true,
        });
        var server = new NatsServer(process, port.Value, maxPayload, clientOpts);
        try
        {
            await server.WaitReadyAsync();
        }
        catch
        {
            await server.DisposeAsync(); // stops the process and deletes its folder
            throw;
        }

        return server;
    }

    /// <summary>Opens a plain NATS connection (a "foreign" client: no code of ours).</summary>
    public NatsConnection Connect(string? name = null) =>
        new(_clientOpts(new NatsOpts { Url = Url, Name = name ?? "test-raw-client" }));

    private async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            _process.ThrowIfExited();

            try
            {
                await using var nats = Connect("readiness-probe");
                await nats.ConnectAsync();
                var js = new NATS.Client.JetStream.NatsJSContext(nats);
                await js.GetAccountInfoAsync();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException("nats-server did not become ready within 20 s");
    }

    private static string FindBinary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("nats-server is not installed: run 'apt-get install -y nats-server' (the README's test command does this).");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the server and deletes its folder (config and JetStream store).</summary>
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
