using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;

namespace OamOrleans.Testing;

/// <summary>
/// A real <c>nats-server</c> process with JetStream in a temporary folder, on a free port.
/// Started by test fixtures; killed and cleaned up on dispose. <see cref="KillAsync"/> and <see cref="RestartAsync"/>
/// crash it and bring it back on the same port with the same JetStream store, as an operator's restart would.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private readonly string _binary;
    private readonly string _dataDir;
    private readonly string _config;
    private readonly Func<NatsOpts, NatsOpts> _clientOpts;
    private ChildProcess _process;

    private NatsServer(ChildProcess process, string binary, string dataDir, string config, int port, int? maxPayload, Func<NatsOpts, NatsOpts>? clientOpts)
    {
        _clientOpts = clientOpts ?? (o => o);
        _process = process;
        _binary = binary;
        _dataDir = dataDir;
        _config = config;
        Port = port;
        MaxPayload = maxPayload;
    }

    public int Port { get; }

    public int? MaxPayload { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>The last lines the current server process wrote (e.g. its slow-consumer warnings).</summary>
    public string RecentOutput => _process.RecentOutput;

    /// <summary>Starts a server and waits until it accepts connections.</summary>
    /// <param name="extraConfig">Extra lines for the server config file (accounts, limits, tls).</param>
    /// <param name="clientOpts">How test clients must connect (e.g. TLS files); used by the readiness probe and <see cref="Connect"/>.</param>
    /// <param name="port">The port to listen on (e.g. one a process under test already dials); null: a free one.</param>
    public static async Task<NatsServer> StartAsync(int? maxPayload = null, string? extraConfig = null, Func<NatsOpts, NatsOpts>? clientOpts = null, int? port = null)
    {
        var binary = FindBinary(); // before the folder exists: a missing server leaves nothing behind
        port ??= FreePort();
        var dataDir = Directory.CreateTempSubdirectory("oam-nats-").FullName;
        var config = Path.Combine(dataDir, "nats.conf");
        await File.WriteAllTextAsync(config, $$"""
            listen: 127.0.0.1:{{port}}
            jetstream { store_dir: "{{Path.Combine(dataDir, "js")}}" }
            {{(maxPayload is { } mp ? $"max_payload: {mp}" : "")}}
            {{extraConfig ?? ""}}
            """);
        var server = new NatsServer(StartProcess(binary, dataDir, config), binary, dataDir, config, port.Value, maxPayload, clientOpts);
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

    /// <summary>SIGKILL: the server gets no chance to flush or say goodbye; its clients see their sockets close.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>
    /// Starts the server again (killing it first if it still runs) on the same port, config and JetStream store, and
    /// waits until it accepts connections and JetStream answers.
    /// </summary>
    public async Task RestartAsync()
    {
        await _process.DisposeAsync();
        _process = StartProcess(_binary, _dataDir, _config);
        await WaitReadyAsync();
    }

    private static ChildProcess StartProcess(string binary, string dataDir, string config) => ChildProcess.Start(new ChildProcessOptions
    {
        Name = "nats-server",
        FileName = binary,
        Arguments = ["-c", config],
        WorkingDirectory = dataDir,
    });

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
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
