using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;
using OamOrleans.Client;

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

    /// <summary><c>$OAM_HOME</c>, else <c>~/.agentmesh</c>.</summary>
    public static string Home =>
        Environment.GetEnvironmentVariable("OAM_HOME") is { Length: > 0 } home
            ? Path.GetFullPath(home)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".agentmesh");

    public static string RunDir => Path.Combine(Home, "run");

    public static string PidFile => Path.Combine(RunDir, PidFileName);

    public static string MonitorPidFile => Path.Combine(RunDir, MonitorPidFileName);

    public static async Task<int> UpAsync(int port, bool foreground, CancellationToken ct)
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

        var binary = FindNatsServer()
            ?? throw new CliFailure($"nats-server not found on PATH or in {Path.Combine(Home, "bin")}. Install it (e.g. 'apt-get install -y nats-server') and retry.");
        Directory.CreateDirectory(RunDir);
        var dataDir = Path.Combine(RunDir, "data");
        Directory.CreateDirectory(dataDir);
        var config = Path.Combine(RunDir, ConfigFileName);
        var log = Path.Combine(RunDir, LogFileName);
        var sysPassword = await WriteConfigAsync(config, port, dataDir, log, ct);

        var process = Start([binary, "-c", config], log, detach: !foreground);
        var url = $"nats://127.0.0.1:{port}";
        try
        {
            await WaitReadyAndPrimeAsync(url, process, log, ct);
        }
        catch
        {
            Stop(process.Id);
            throw;
        }

        await File.WriteAllTextAsync(PidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        await File.WriteAllTextAsync(Path.Combine(Environment.CurrentDirectory, MeshEndpoint.UrlFileName), url + "\n", ct);
        var monitor = await StartMonitorAsync(url, $"nats://oam-sys:{sysPassword}@127.0.0.1:{port}", detach: !foreground, ct);

        Console.Out.WriteLine("OpenAgentMesh local mesh is up");
        Console.Out.WriteLine($"  NATS listening on {url} (JetStream, pid {process.Id})");
        Console.Out.WriteLine($"  WebSocket on ws://127.0.0.1:{port + 1}");
        Console.Out.WriteLine($"  Buckets ready: {string.Join(", ", Protocol.MeshBuckets.KeyValue.Append(Protocol.MeshBuckets.Artifacts))}");
        Console.Out.WriteLine($"  Wrote {MeshEndpoint.UrlFileName}");
        Console.Out.WriteLine(monitor is null
            ? "  Health monitor not started (see the warning above)"
            : $"  Health monitor running (pid {monitor.Id})");
        Console.Out.WriteLine($"  Logs: {log}");
        if (!foreground)
        {
            Console.Out.WriteLine("  Stop it with: oam mesh down");
            return OamCli.Ok;
        }

        Console.Out.WriteLine("  Running in the foreground; Ctrl-C stops it.");
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
        }
    }

    public static int Down()
    {
        if (ReadPid(MonitorPidFile) is { } monitorPid)
        {
            if (IsMeshProcess(monitorPid, "monitor"))
            {
                Stop(monitorPid);
                Console.Out.WriteLine($"Stopped health monitor (pid {monitorPid}).");
            }

            TryDelete(MonitorPidFile);
        }

        if (ReadPid(PidFile) is not { } pid)
        {
            Console.Error.WriteLine("No running mesh recorded.");
            return OamCli.Failed;
        }

        if (!IsMeshProcess(pid, "nats-server"))
        {
            Console.Out.WriteLine($"Stale PID file (pid {pid} not running). Cleaning up.");
            TryDelete(PidFile);
            return OamCli.Ok;
        }

        Stop(pid);
        TryDelete(PidFile);
        Console.Out.WriteLine($"Stopped mesh (pid {pid}).");
        return OamCli.Ok;
    }

    /// <summary>SIGTERM, then SIGKILL after 5 s.</summary>
    private static void Stop(int pid)
    {
        _ = NativeMethods.Kill(pid, NativeMethods.SigTerm);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (!IsAlive(pid))
            {
                return;
            }

            Thread.Sleep(100);
        }

        _ = NativeMethods.Kill(pid, NativeMethods.SigKill);
        for (var i = 0; i < 20 && IsAlive(pid); i++)
        {
            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// Starts <c>oam mesh monitor --config monitor.json</c> next to the server (the reference's companion process); the
    /// config holds the APP and SYS URLs (mode 0600). A monitor that cannot start is a warning, not a failure.
    /// </summary>
    private static async Task<Process?> StartMonitorAsync(string url, string sysUrl, bool detach, CancellationToken ct)
    {
        var config = Path.Combine(RunDir, MonitorConfigFileName);
        await File.WriteAllTextAsync(config, new System.Text.Json.Nodes.JsonObject { ["url"] = url, ["sys_url"] = sysUrl }.ToJsonString(), ct);
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
            var process = Start(command, Path.Combine(RunDir, MonitorLogFileName), detach);
            await File.WriteAllTextAsync(MonitorPidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            return process;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or CliFailure)
        {
            Console.Error.WriteLine($"Warning: could not start the health monitor: {e.Message}");
            return null;
        }
    }

    private static Process Start(IReadOnlyList<string> command, string log, bool detach)
    {
        // Through /bin/sh so that the server's stdio goes to the log file (never to our pipes: a caller that reads our
        // output to the end must not wait for the server), and `exec` keeps the PID. setsid detaches it from our session.
        var setsid = detach ? FindOnPath("setsid") : null;
        var psi = new ProcessStartInfo(setsid ?? "/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        if (setsid is not null)
        {
            psi.ArgumentList.Add("/bin/sh");
        }

        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("log=\"$1\"; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(log);
        foreach (var arg in command)
        {
            psi.ArgumentList.Add(arg);
        }

        return Process.Start(psi) ?? throw new CliFailure($"Could not start {command[0]}");
    }

    private static async Task WaitReadyAndPrimeAsync(string url, Process process, string log, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new CliFailure($"NATS exited immediately (code {process.ExitCode}). Check {log} for details.");
            }

            try
            {
                await using var nats = new NatsConnection(NatsOpts.Default with { Url = url, Name = "oam-mesh-up" });
                await nats.ConnectAsync();
                await nats.CreateJetStreamContext().GetAccountInfoAsync(ct);
                await MeshStores.EnsureAllAsync(nats, ct);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                last = e;
                await Task.Delay(100, ct);
            }
        }

        throw new CliFailure($"Failed to start mesh: NATS at {url} did not become ready: {last?.Message}. Check {log}.");
    }

    /// <summary>Writes the server config (mode 0600) and returns the SYS user's password.</summary>
    private static async Task<string> WriteConfigAsync(string path, int port, string dataDir, string log, CancellationToken ct)
    {
        var appPassword = MeshServerConfig.NewPassword();
        var sysPassword = MeshServerConfig.NewPassword();
        var text = $$"""
            # Written by `oam mesh up`. Local development mesh: APP is the open (no-auth) account with JetStream,
            # SYS is the system account (for the health monitor's $SYS advisories).
            port: {{port}}
            server_name: oam-local-{{port}}
            log_file: "{{log}}"
            ping_interval: "10s"
            ping_max: 2
            jetstream {
              store_dir: "{{dataDir}}"
            }
            {{MeshServerConfig.Accounts(appPassword, sysPassword)}}
            websocket {
              port: {{port + 1}}
              no_tls: true
            }

            """;
        await File.WriteAllTextAsync(path, text, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return sysPassword;
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

    private static bool IsAlive(int pid)
    {
        if (NativeMethods.Kill(pid, 0) == 0)
        {
            // A zombie (exited, not yet reaped by its parent) counts as gone.
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var close = stat.LastIndexOf(')');
                return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
            }
            catch (IOException)
            {
                return true;
            }
        }

        return Marshal.GetLastPInvokeError() == NativeMethods.EPerm;
    }

    /// <summary>Alive and (where /proc tells) running a command line containing <paramref name="marker"/>: a recycled PID of another program is not ours.</summary>
    private static bool IsMeshProcess(int pid, string marker)
    {
        if (!IsAlive(pid))
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

    private static string? FindNatsServer() =>
        FindOnPath("nats-server")
        ?? new[] { Path.Combine(Home, "bin", "nats-server"), "/usr/sbin/nats-server", "/usr/bin/nats-server" }.FirstOrDefault(File.Exists);

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
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

    private static class NativeMethods
    {
        public const int SigTerm = 15;
        public const int SigKill = 9;
        public const int EPerm = 1;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Kill(int pid, int signal);
    }
}
