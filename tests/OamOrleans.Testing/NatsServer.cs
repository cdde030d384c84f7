using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using OamOrleans.Nats;

namespace OamOrleans.Testing;

/// <summary>
/// A real <c>nats-server</c> process with JetStream in a temporary folder, on a free port.
/// Started by test fixtures; killed and cleaned up on dispose. <see cref="KillAsync"/> and <see cref="RestartAsync"/>
/// crash it and bring it back on the same port with the same JetStream store, as an operator's restart would.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private readonly NatsServerProcess _server;
    private readonly string _dataDir;
    private readonly Func<NatsOpts, NatsOpts> _clientOpts;

    private NatsServer(NatsServerProcess server, string dataDir, int? maxPayload, Func<NatsOpts, NatsOpts> clientOpts)
    {
        _server = server;
        _dataDir = dataDir;
        _clientOpts = clientOpts;
        MaxPayload = maxPayload;
    }

    public int Port => _server.Port;

    public int? MaxPayload { get; }

    public string Url => _server.Url;

    /// <summary>With <c>accounts: true</c>: the APP account with explicit credentials (what a silo gets as OAM_URL).</summary>
    public string AppUrl => _server.AppUrl ?? throw new InvalidOperationException("this server was started without accounts");

    /// <summary>With <c>accounts: true</c>: the system account's user (what a health monitor gets as its sys URL).</summary>
    public string SysUrl => _server.SysUrl ?? throw new InvalidOperationException("this server was started without accounts");

    /// <summary>The last lines the current server process wrote (e.g. its slow-consumer warnings).</summary>
    public string RecentOutput => _server.RecentLog();

    /// <summary>Starts a server and waits until it accepts connections and JetStream answers.</summary>
    /// <param name="extraConfig">Extra lines for the server config file (limits, tls).</param>
    /// <param name="clientOpts">How test clients must connect (e.g. TLS files); used by the readiness probe and <see cref="Connect"/>.</param>
    /// <param name="port">The port to listen on (e.g. one a process under test already dials); null: a free one.</param>
    /// <param name="accounts">The accounts of <c>oam mesh up</c>: APP (JetStream, no-auth user) and SYS (system account).</param>
    /// <param name="includeConfig">A config to include instead of the JetStream line (e.g. the operator-mode <c>server.conf</c> of <c>oam auth init</c>).</param>
    public static async Task<NatsServer> StartAsync(
        int? maxPayload = null, string? extraConfig = null, Func<NatsOpts, NatsOpts>? clientOpts = null, int? port = null, bool accounts = false, string? includeConfig = null)
    {
        if (NatsServerProcess.FindBinary() is null) // before the folder exists: a missing server leaves nothing behind
        {
            throw new InvalidOperationException("nats-server is not installed: run 'apt-get install -y nats-server' (the README's test command does this).");
        }

        var dataDir = Directory.CreateTempSubdirectory("oam-nats-").FullName;
        clientOpts ??= o => o;
        try
        {
            var server = await NatsServerProcess.StartAsync(new NatsServerSpec
            {
                Port = port ?? FreePort(),
                Directory = dataDir,
                MaxPayload = maxPayload,
                ExtraConfig = extraConfig,
                Accounts = accounts,
                IncludeConfig = includeConfig,
                ClientOpts = clientOpts,
            });
            return new NatsServer(server, dataDir, maxPayload, clientOpts);
        }
        catch
        {
            NatsServerProcess.DeleteDirectory(dataDir);
            throw;
        }
    }

    /// <summary>SIGKILL: the server gets no chance to flush or say goodbye; its clients see their sockets close.</summary>
    public Task KillAsync() => _server.KillAsync();

    /// <summary>
    /// Starts the server again (killing it first if it still runs) on the same port, config and JetStream store, and
    /// waits until it accepts connections and JetStream answers.
    /// </summary>
    public Task RestartAsync() => _server.RestartAsync();

    /// <summary>The server's process id (the bench reads its CPU time).</summary>
    public int ProcessId => _server.Process.Id;

    /// <summary>SIGHUP: the server reloads its config (and the files it includes).</summary>
    public void Reload() => NatsServerProcess.Reload(_server.Process.Id);

    /// <summary>Opens a plain NATS connection (a "foreign" client: no code of ours).</summary>
    public NatsConnection Connect(string? name = null) =>
        new(_clientOpts(new NatsOpts { Url = Url, Name = name ?? "test-raw-client" }));

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the server and deletes its folder (config, log and JetStream store).</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.KillAsync();
        NatsServerProcess.DeleteDirectory(_dataDir);
    }
}
