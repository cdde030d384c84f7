using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OamOrleans.Client;

namespace OamOrleans.Silo;

/// <summary>
/// A local <c>nats-server</c> with JetStream in a data folder, started when no <c>OAM_URL</c> is given (like the
/// reference's <c>oam mesh up</c>) and stopped when the silo exits.
/// </summary>
internal sealed class EmbeddedNatsServer : IAsyncDisposable
{
    private const string SetSid = "/usr/bin/setsid";
    private readonly Process _process;
    private readonly string? _urlFile;

    private EmbeddedNatsServer(Process process, string url, string sysUrl, string? urlFile)
    {
        _process = process;
        Url = url;
        SysUrl = sysUrl;
        _urlFile = urlFile;
    }

    public string Url { get; }

    /// <summary>The system-account user's URL, for the silo's health monitor.</summary>
    public string SysUrl { get; }

    public static async Task<EmbeddedNatsServer> StartAsync(int port, string dataDir, bool writeUrlFile)
    {
        var binary = FindBinary() ?? throw new EmbeddedNatsException(
            "nats-server is not installed. Install it with 'sudo apt-get install -y nats-server' (Debian/Ubuntu; run.sh does this for you), " +
            "or point the silo at an existing NATS server with OAM_URL=nats://host:4222.");
        if (!IsPortFree(port))
        {
            throw new EmbeddedNatsException(
                $"Port {port} is already in use, so the embedded nats-server cannot start. If a mesh already runs there, " +
                $"set OAM_URL=nats://127.0.0.1:{port}; otherwise choose another port with OAM_NATS_PORT.");
        }

        Directory.CreateDirectory(dataDir);
        var config = Path.Combine(dataDir, "nats.conf");
        // Like the reference's `oam mesh up`: account APP (JetStream, the default user) and a system account SYS whose
        // user the health monitor uses for $SYS disconnect advisories. Passwords are fresh per start.
        var appPassword = MeshServerConfig.NewPassword();
        var sysPassword = MeshServerConfig.NewPassword();
        await File.WriteAllTextAsync(config, $$"""
            # Written by the OamOrleans silo for its embedded development mesh.
            listen: 127.0.0.1:{{port}}
            ping_interval: "10s"
            ping_max: 2
            jetstream { store_dir: "{{Path.Combine(Path.GetFullPath(dataDir), "jetstream")}}" }
            {{MeshServerConfig.Accounts(appPassword, sysPassword)}}
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        // In its own session, so the Ctrl+C meant for the silo does not stop the server before the silo has deregistered.
        var psi = File.Exists(SetSid) ? new ProcessStartInfo(SetSid, [binary, "-c", config]) : new ProcessStartInfo(binary, ["-c", config]);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        var process = Process.Start(psi) ?? throw new EmbeddedNatsException($"Could not start {binary}.");
        var log = Path.Combine(dataDir, "nats-server.log");
        var logWriter = new StreamWriter(log, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(logWriter, e.Data);
        process.ErrorDataReceived += (_, e) => Write(logWriter, e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => logWriter.Dispose();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var url = $"nats://127.0.0.1:{port}";
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await CanConnectAsync(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new EmbeddedNatsException($"nats-server did not start on port {port}; see {log}.");
            }

            await Task.Delay(50);
        }

        string? urlFile = null;
        if (writeUrlFile)
        {
            urlFile = Path.Combine(Directory.GetCurrentDirectory(), ".oam-url");
            await File.WriteAllTextAsync(urlFile, url + Environment.NewLine);
        }

        return new EmbeddedNatsServer(process, url, MeshServerConfig.SysUrl(sysPassword, port), urlFile);
    }

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is null)
        {
            return;
        }

        try
        {
            writer.WriteLine(line);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static string? FindBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "nats-server"))
            .FirstOrDefault(File.Exists);

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

    private static async Task<bool> CanConnectAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
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

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

internal sealed class EmbeddedNatsException(string message) : Exception(message);
