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
/// Starts, inspects and stops the processes of a local mesh in a <see cref="MeshRunDirectory"/>: a nats-server with
/// JetStream run like the reference's (accounts <c>APP</c> with JetStream for the no-auth user and <c>SYS</c> with a random
/// password, pings every 10 s, a websocket listener on port+1) and its companion health monitor. It prints nothing: it
/// returns what it did (<see cref="LocalMeshStatus"/>, <see cref="LocalMeshStopped"/>) and fails with
/// <see cref="UsageException"/> or <see cref="CliFailure"/>.
/// </summary>
internal sealed class LocalMeshSupervisor(MeshRunDirectory run)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private Process? _server;
    private Process? _monitor;

    /// <summary>
    /// Starts the server (and the monitor), primes the mesh buckets, records the PIDs and writes <c>.oam-url</c> in the
    /// current directory.
    /// </summary>
    /// <param name="detach">Run them in their own session, to outlive this process (<c>oam mesh down</c> stops them).</param>
    /// <param name="authDir">An <c>oam auth init</c> folder: run in operator mode with its accounts (<c>--auth</c>); null: open mesh.</param>
    public async Task<LocalMeshStatus> StartAsync(int port, bool detach, string? authDir, CancellationToken ct)
    {
        if (port is < 1 or > 65534)
        {
            throw new UsageException($"--port must be between 1 and 65534, got {port}");
        }

        if (MeshRunDirectory.ReadPid(run.PidFile) is { } existing)
        {
            if (IsMeshProcess(existing, "nats-server"))
            {
                throw new CliFailure($"Mesh already running (pid {existing}). Use `oam mesh down` first.");
            }

            File.Delete(run.PidFile);
        }

        foreach (var p in new[] { port, port + 1 })
        {
            if (PortInUse(p))
            {
                throw new CliFailure($"Port {p} is already in use. Another NATS or service may be running. Check: lsof -i :{p}");
            }
        }

        var binDir = MeshRunDirectory.BinDir;
        if (NatsServerProcess.FindBinary(binDir) is null)
        {
            throw new CliFailure($"nats-server not found on PATH or in {binDir}. Install it (e.g. 'apt-get install -y nats-server') and retry.");
        }

        var auth = authDir is null ? null : SecuredMesh.Prepare(authDir, run);
        NatsServerProcess server;
        try
        {
            server = await NatsServerProcess.StartAsync(new NatsServerSpec
            {
                Port = port,
                Directory = run.Path,
                ConfigFileName = MeshRunDirectory.ConfigFileName,
                SearchDirs = [binDir],
                LogFile = run.LogFile,
                StoreDir = run.DataDir,
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
                ExtraConfig = $"log_file: \"{run.LogFile}\"",
                OwnSession = detach,
                ReadyTimeout = TimeSpan.FromSeconds(15),
            }, ct);
        }
        catch (NatsServerLaunchException e)
        {
            throw new CliFailure($"Failed to start mesh: {e.Message}");
        }

        _server = server.Process;
        var url = server.Url;
        try
        {
            await PrimeAsync(url, auth?.AdminCreds, ct);
        }
        catch
        {
            Stop(_server.Id);
            throw;
        }

        await MeshRunDirectory.WritePidAsync(run.PidFile, _server.Id, ct);
        await File.WriteAllTextAsync(Path.Combine(Environment.CurrentDirectory, MeshEndpoint.UrlFileName), url + "\n", ct);
        SecuredMesh.Record(run, auth);
        string? monitorFailure = null;
        try
        {
            _monitor = await StartMonitorAsync(url, server.SysUrl ?? url, auth, detach, ct);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NatsServerLaunchException)
        {
            monitorFailure = e.Message;
        }

        return new LocalMeshStatus(url, _server.Id, port + 1, run.LogFile, _monitor?.Id, monitorFailure, auth?.Dir);
    }

    /// <summary>
    /// Waits for the server started by <see cref="StartAsync"/> (a foreground mesh): stops both processes when
    /// <paramref name="ct"/> fires, and clears the run directory's records either way. Exit code 0, or 1 when the server failed.
    /// </summary>
    public async Task<int> RunUntilStoppedAsync(CancellationToken ct)
    {
        var server = _server ?? throw new InvalidOperationException("no mesh started");
        try
        {
            await server.WaitForExitAsync(ct);
            return server.ExitCode == 0 ? OamCli.Ok : OamCli.Failed;
        }
        catch (OperationCanceledException)
        {
            if (_monitor is not null)
            {
                Stop(_monitor.Id);
            }

            Stop(server.Id);
            return OamCli.Ok;
        }
        finally
        {
            MeshRunDirectory.TryDelete(run.PidFile);
            MeshRunDirectory.TryDelete(run.MonitorPidFile);
            MeshRunDirectory.TryDelete(run.AuthDirFile);
        }
    }

    /// <summary>Stops the recorded monitor and server (SIGTERM, then SIGKILL after 5 s) and clears their records.</summary>
    public LocalMeshStopped Stop()
    {
        int? monitorPid = null;
        if (MeshRunDirectory.ReadPid(run.MonitorPidFile) is { } monitor)
        {
            if (IsMeshProcess(monitor, "monitor"))
            {
                Stop(monitor);
                monitorPid = monitor;
            }

            MeshRunDirectory.TryDelete(run.MonitorPidFile);
        }

        if (MeshRunDirectory.ReadPid(run.PidFile) is not { } pid)
        {
            return new LocalMeshStopped(LocalMeshStopOutcome.NotRecorded, null, monitorPid);
        }

        if (!IsMeshProcess(pid, "nats-server"))
        {
            MeshRunDirectory.TryDelete(run.PidFile);
            return new LocalMeshStopped(LocalMeshStopOutcome.Stale, pid, monitorPid);
        }

        Stop(pid);
        MeshRunDirectory.TryDelete(run.PidFile);
        MeshRunDirectory.TryDelete(run.AuthDirFile);
        return new LocalMeshStopped(LocalMeshStopOutcome.Stopped, pid, monitorPid);
    }

    /// <summary>The PID of the recorded server when it runs (a recycled PID of another program is not ours); else null.</summary>
    public int? RunningServer() =>
        MeshRunDirectory.ReadPid(run.PidFile) is { } pid && IsMeshProcess(pid, "nats-server") ? pid : null;

    /// <summary>Sends the local mesh a reload (SIGHUP) when it runs with the auth set-up in <paramref name="authDir"/>; its pid, else null.</summary>
    public int? ReloadIfServing(string authDir)
    {
        if (SecuredMesh.RecordedDir(run) is not { } served || served != Path.GetFullPath(authDir) || RunningServer() is not { } pid)
        {
            return null;
        }

        NatsServerProcess.Reload(pid);
        return pid;
    }

    private static void Stop(int pid) => NatsServerProcess.Stop(pid, StopGrace);

    /// <summary>
    /// Starts <c>oam mesh monitor --config monitor.json</c> next to the server (the reference's companion process); the
    /// config holds the APP and SYS URLs (mode 0600).
    /// </summary>
    private async Task<Process> StartMonitorAsync(string url, string sysUrl, SecuredMesh? auth, bool detach, CancellationToken ct)
    {
        var config = run.MonitorConfigFile;
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

        var self = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
        List<string> command = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? [self, typeof(LocalMeshSupervisor).Assembly.Location]
            : [self];
        command.AddRange(["mesh", "monitor", "--config", config]);
        var process = NatsServerProcess.StartLogged(command, run.MonitorLogFile, detach);
        await MeshRunDirectory.WritePidAsync(run.MonitorPidFile, process.Id, ct);
        return process;
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
}

/// <summary>A local mesh that <see cref="LocalMeshSupervisor.StartAsync"/> started.</summary>
/// <param name="MonitorPid">The health monitor's PID; null when it could not start (<paramref name="MonitorFailure"/> says why).</param>
/// <param name="AuthDir">The <c>oam auth init</c> folder of a secured mesh; null for an open one.</param>
internal sealed record LocalMeshStatus(string Url, int Pid, int WebSocketPort, string LogFile, int? MonitorPid, string? MonitorFailure, string? AuthDir);

/// <summary>What <see cref="LocalMeshSupervisor.Stop"/> found and did.</summary>
/// <param name="Pid">The recorded server PID (none when <see cref="LocalMeshStopOutcome.NotRecorded"/>).</param>
/// <param name="MonitorPid">The health monitor it stopped, if one ran.</param>
internal sealed record LocalMeshStopped(LocalMeshStopOutcome Outcome, int? Pid, int? MonitorPid);

internal enum LocalMeshStopOutcome
{
    /// <summary>No server PID recorded.</summary>
    NotRecorded,

    /// <summary>A PID was recorded but no such server runs: the record was cleared.</summary>
    Stale,

    /// <summary>The server was stopped.</summary>
    Stopped,
}
