using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using NATS.Net;
using OamOrleans.Cli.Auth;
using OamOrleans.Client;
using OamOrleans.Nats;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam mesh up</c> / <c>down</c>: a local nats-server with JetStream, run like the reference's (§8): config, log, data and
/// PID file under <c>~/.agentmesh/run</c> (or <c>$OAM_HOME/run</c>), accounts <c>APP</c> (JetStream, the no-auth user) and
/// <c>SYS</c> (the system account, random password), pings every 10 s, a websocket listener on port+1.
/// </summary>
internal static class LocalMesh
{
    public const string PidFileName = "oam-mesh.pid";
    public const string ConfigFileName = "nats.conf";
    public const string LogFileName = "oam-mesh.log";
    public const string MonitorPidFileName = "oam-monitor.pid";
    public const string MonitorConfigFileName = "monitor.json";
    public const string MonitorLogFileName = "oam-monitor.log";
    public const string AuthDirFileName = "oam-mesh.auth";
    public const string AdminCredsFileName = "mesh-up.creds";
    public const string SysCredsFileName = "monitor-sys.creds";

    /// <summary><c>$OAM_HOME</c>, else <c>~/.agentmesh</c>.</summary>
    public static string Home =>
        Environment.GetEnvironmentVariable("OAM_HOME") is { Length: > 0 } home
            ? Path.GetFullPath(home)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".agentmesh");

    public static string RunDir => Path.Combine(Home, "run");

    public static string PidFile => Path.Combine(RunDir, PidFileName);

    public static string MonitorPidFile => Path.Combine(RunDir, MonitorPidFileName);

    /// <param name="authDir">An <c>oam auth init</c> folder: run in operator mode with its accounts (<c>--auth</c>); null: open mesh.</param>
    public static async Task<int> UpAsync(TextWriter stdout, TextWriter stderr, int port, bool foreground, string? authDir, CancellationToken ct)
    {
        if (port is < 1 or > 65534)
        {
            throw new UsageException($"--port must be between 1 and 65534, got {port}");
        }

        if (ReadPid(PidFile) is { } existing)
        {
            if (IsMeshProcess(existing, "nats-server"))
            {
                throw new CliFailure($"Mesh already running (pid {existing}). Use `oam mesh down` first.");
            }

            File.Delete(PidFile);
        }

        foreach (var p in new[] { port, port + 1 })
        {
            if (PortInUse(p))
            {
                throw new CliFailure($"Port {p} is already in use. Another NATS or service may be running. Check: lsof -i :{p}");
            }
        }

        var binDir = Path.Combine(Home, "bin");
        if (NatsServerProcess.FindBinary(binDir) is null)
        {
            throw new CliFailure($"nats-server not found on PATH or in {Path.Combine(Home, "bin")}. Install it (e.g. 'apt-get install -y nats-server') and retry.");
        }

        var log = Path.Combine(RunDir, LogFileName);
        var auth = authDir is null ? null : SecuredMesh.Prepare(authDir, RunDir);
        NatsServerProcess server;
        try
        {
            server = await NatsServerProcess.StartAsync(new NatsServerSpec
            {
                Port = port,
                Directory = RunDir,
                ConfigFileName = ConfigFileName,
                SearchDirs = [binDir],
                LogFile = log,
                StoreDir = Path.Combine(RunDir, "data"),
                Header = auth is null
                    ? "Written by `oam mesh up`. Local development mesh: APP is the open (no-auth) account with JetStream,\nSYS is the system account (for the health monitor's $SYS advisories)."
                    : $"Written by `oam mesh up --auth`: operator mode, accounts and users of {auth.Dir}.",
                LoopbackOnly = false,
                ServerName = $"oam-local-{port}",
                PingInterval = TimeSpan.FromSeconds(10),
                Accounts = auth is null,
                IncludeConfig = auth?.ServerConfig,
                ClientOpts = o => auth is null ? o : o with { AuthOpts = NatsAuthOpts.Default with { CredsFile = auth.AdminCreds } },
                WebSocketPort = port + 1,
                ExtraConfig = $"log_file: \"{log}\"",
                OwnSession = !foreground,
                ReadyTimeout = TimeSpan.FromSeconds(15),
            }, ct);
        }
        catch (NatsServerLaunchException e)
        {
            throw new CliFailure($"Failed to start mesh: {e.Message}");
        }

        var process = server.Process;
        var url = server.Url;
        try
        {
            await PrimeAsync(url, auth?.AdminCreds, ct);
        }
        catch
        {
            NatsServerProcess.Stop(process.Id, StopGrace);
            throw;
        }

        await File.WriteAllTextAsync(PidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        await File.WriteAllTextAsync(Path.Combine(Environment.CurrentDirectory, MeshEndpoint.UrlFileName), url + "\n", ct);
        SecuredMesh.Record(RunDir, auth);
        var monitor = await StartMonitorAsync(stderr, url, server.SysUrl ?? url, auth, detach: !foreground, ct);

        stdout.WriteLine("OpenAgentMesh local mesh is up");
        stdout.WriteLine($"  NATS listening on {url} (JetStream, pid {process.Id})");
        stdout.WriteLine($"  WebSocket on ws://127.0.0.1:{port + 1}");
        stdout.WriteLine($"  Buckets ready: {string.Join(", ", Protocol.MeshBuckets.KeyValue.Append(Protocol.MeshBuckets.Artifacts))}");
        stdout.WriteLine($"  Wrote {MeshEndpoint.UrlFileName}");
        stdout.WriteLine(monitor is null
            ? "  Health monitor not started (see the warning above)"
            : $"  Health monitor running (pid {monitor.Id})");
        stdout.WriteLine($"  Logs: {log}");
        if (auth is not null)
        {
            stdout.WriteLine($"  Secured: operator mode with the accounts of {auth.Dir}; anonymous connections are refused");
            stdout.WriteLine($"  Connect with a user: oam auth user add NAME --role invoker --dir {auth.Dir}; oam mesh connect {url} --creds NAME.creds");
        }

        if (!foreground)
        {
            stdout.WriteLine("  Stop it with: oam mesh down");
            return OamCli.Ok;
        }

        stdout.WriteLine("  Running in the foreground; Ctrl-C stops it.");
        try
        {
            await process.WaitForExitAsync(ct);
            return process.ExitCode == 0 ? OamCli.Ok : OamCli.Failed;
        }
        catch (OperationCanceledException)
        {
            if (monitor is not null)
            {
                Stop(monitor.Id);
            }

            Stop(process.Id);
            return OamCli.Ok;
        }
        finally
        {
            TryDelete(PidFile);
            TryDelete(MonitorPidFile);
            TryDelete(Path.Combine(RunDir, AuthDirFileName));
        }
    }

    /// <summary>Sends the local mesh a reload (SIGHUP) when it runs with the auth set-up in <paramref name="authDir"/>; its pid, else null.</summary>
    public static int? ReloadIfServing(string authDir)
    {
        if (SecuredMesh.RecordedDir(RunDir) is not { } served || served != Path.GetFullPath(authDir)
            || ReadPid(PidFile) is not { } pid || !IsMeshProcess(pid, "nats-server"))
        {
            return null;
        }

        NatsServerProcess.Reload(pid);
        return pid;
    }

    public static int Down(TextWriter stdout, TextWriter stderr)
    {
        if (ReadPid(MonitorPidFile) is { } monitorPid)
        {
            if (IsMeshProcess(monitorPid, "monitor"))
            {
                Stop(monitorPid);
                stdout.WriteLine($"Stopped health monitor (pid {monitorPid}).");
            }

            TryDelete(MonitorPidFile);
        }

        if (ReadPid(PidFile) is not { } pid)
        {
            stderr.WriteLine("No running mesh recorded.");
            return OamCli.Failed;
        }

        if (!IsMeshProcess(pid, "nats-server"))
        {
            stdout.WriteLine($"Stale PID file (pid {pid} not running). Cleaning up.");
            TryDelete(PidFile);
            return OamCli.Ok;
        }

        Stop(pid);
        TryDelete(PidFile);
        TryDelete(Path.Combine(RunDir, AuthDirFileName));
        stdout.WriteLine($"Stopped mesh (pid {pid}).");
        return OamCli.Ok;
    }

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    /// <summary>SIGTERM, then SIGKILL after 5 s.</summary>
    private static void Stop(int pid) => NatsServerProcess.Stop(pid, StopGrace);

    /// <summary>
    /// Starts <c>oam mesh monitor --config monitor.json</c> next to the server (the reference's companion process); the
    /// config holds the APP and SYS URLs (mode 0600). A monitor that cannot start is a warning, not a failure.
    /// </summary>
    private static async Task<Process?> StartMonitorAsync(TextWriter stderr, string url, string sysUrl, SecuredMesh? auth, bool detach, CancellationToken ct)
    {
        var config = Path.Combine(RunDir, MonitorConfigFileName);
        var json = new System.Text.Json.Nodes.JsonObject { ["url"] = url, ["sys_url"] = sysUrl };
        if (auth is not null)
        {
            json["creds"] = auth.AdminCreds;
            json["sys_creds"] = auth.SysCreds;
        }

        await File.WriteAllTextAsync(config, json.ToJsonString(), ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
            List<string> command = Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? [self, typeof(LocalMesh).Assembly.Location]
                : [self];
            command.AddRange(["mesh", "monitor", "--config", config]);
            var process = NatsServerProcess.StartLogged(command, Path.Combine(RunDir, MonitorLogFileName), detach);
            await File.WriteAllTextAsync(MonitorPidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            return process;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NatsServerLaunchException)
        {
            stderr.WriteLine($"Warning: could not start the health monitor: {e.Message}");
            return null;
        }
    }

    /// <summary>Creates the mesh buckets (the server is ready: JetStream answers).</summary>
    private static async Task PrimeAsync(string url, string? creds, CancellationToken ct)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with
        {
            Url = url,
            Name = "oam-mesh-up",
            AuthOpts = creds is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { CredsFile = creds },
        });
        await nats.ConnectAsync();
        await MeshStores.EnsureAllAsync(nats, ct: ct);
    }

    private static int? ReadPid(string file)
    {
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), out var pid) && pid > 0 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Alive and (where /proc tells) running a command line containing <paramref name="marker"/>: a recycled PID of another program is not ours.</summary>
    private static bool IsMeshProcess(int pid, string marker)
    {
        if (!NatsServerProcess.IsAlive(pid))
        {
            return false;
        }

        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool PortInUse(int port)
    {
        try
        {
            using var client = new TcpClient();
            if (client.ConnectAsync(IPAddress.Loopback, port).Wait(TimeSpan.FromMilliseconds(500)))
            {
                return true;
            }
        }
        catch (AggregateException)
        {
        }
        catch (SocketException)
        {
        }

        try
        {
            var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            listener.Stop();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
