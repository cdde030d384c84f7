using System.Net;
using System.Net.Sockets;
using OamOrleans.Nats;

namespace OamOrleans.Silo;

/// <summary>
/// A local <c>nats-server</c> with JetStream in a data folder, started when no <c>OAM_URL</c> is given (like the
/// reference's <c>oam mesh up</c>: accounts APP and SYS) and stopped when the silo exits.
/// </summary>
internal sealed class EmbeddedNatsServer : IAsyncDisposable
{
    private readonly NatsServerProcess _server;
    private readonly string? _urlFile;

    private EmbeddedNatsServer(NatsServerProcess server, string? urlFile)
    {
        _server = server;
        _urlFile = urlFile;
    }

    public string Url => _server.Url;

    /// <summary>The system-account user's URL, for the silo's health monitor.</summary>
    public string SysUrl => _server.SysUrl!;

    public static async Task<EmbeddedNatsServer> StartAsync(int port, string dataDir, bool writeUrlFile)
    {
        if (NatsServerProcess.FindBinary() is null)
        {
            throw new EmbeddedNatsException(
                "nats-server is not installed. Install it with 'sudo apt-get install -y nats-server' (Debian/Ubuntu; run.sh does this for you), " +
                "or point the silo at an existing NATS server with OAM_URL=nats://host:4222.");
        }

        if (!IsPortFree(port))
        {
            throw new EmbeddedNatsException(
                $"Port {port} is already in use, so the embedded nats-server cannot start. If a mesh already runs there, " +
                $"set OAM_URL=nats://127.0.0.1:{port}; otherwise choose another port with OAM_NATS_PORT.");
        }

        NatsServerProcess server;
        try
        {
            server = await NatsServerProcess.StartAsync(new NatsServerSpec
            {
                Port = port,
                Directory = dataDir,
                Header = "Written by the OamOrleans silo for its embedded development mesh.",
                PingInterval = TimeSpan.FromSeconds(10),
                // The health monitor uses the SYS user for $SYS disconnect advisories.
                Accounts = true,
                // In its own session, so the Ctrl+C meant for the silo does not stop the server before the silo has deregistered.
                OwnSession = true,
                ReadyTimeout = TimeSpan.FromSeconds(15),
            });
        }
        catch (NatsServerLaunchException e)
        {
            throw new EmbeddedNatsException($"nats-server did not start on port {port}: {e.Message}");
        }

        string? urlFile = null;
        if (writeUrlFile)
        {
            urlFile = Path.Combine(Directory.GetCurrentDirectory(), ".oam-url");
            await File.WriteAllTextAsync(urlFile, server.Url + Environment.NewLine);
        }

        return new EmbeddedNatsServer(server, urlFile);
    }

    private static bool IsPortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_urlFile is not null && File.Exists(_urlFile))
        {
            File.Delete(_urlFile);
        }

        await _server.StopAsync(TimeSpan.FromSeconds(5));
    }
}

internal sealed class EmbeddedNatsException(string message) : Exception(message);
