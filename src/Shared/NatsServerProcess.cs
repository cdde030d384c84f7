using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace OamOrleans.Nats;

/// <summary>
/// One way to run a local <c>nats-server</c> with JetStream: find the binary, write its config (mode 0600), start it
/// with its output appended to a log file, wait until JetStream answers, stop it (SIGTERM, then SIGKILL) and, for the
/// APP/SYS account layout of the reference's <c>oam mesh up</c> (§8), know the account URLs. Used by <c>oam mesh up</c>,
/// the silo's embedded server and the tests' <c>NatsServer</c>, so all three run the same mesh the same way.
/// </summary>
/// <remarks>
/// One source file linked into each assembly that launches a server (Cli, silo, the test helpers) rather than a type
/// in the Client: starting processes is no part of the client library's API, and the test helpers stay free of a
/// dependency on the code they test.
/// </remarks>
internal sealed class NatsServerProcess
{
    public const string AppUser = "oam-app";
    public const string SysUser = "oam-sys";
    private const string LocalHost = "127.0.0.1";
    private static readonly string[] SetSidPaths = ["/usr/bin/setsid", "/bin/setsid"];

    private readonly NatsServerSpec _spec;
    private readonly string _binary;

    private NatsServerProcess(NatsServerSpec spec, string binary, string? appPassword, string? sysPassword)
    {
        _spec = spec;
        _binary = binary;
        AppUrl = appPassword is null ? null : AccountUrl(AppUser, appPassword);
        SysUrl = sysPassword is null ? null : AccountUrl(SysUser, sysPassword);
        Process = null!;
    }

    /// <summary>The running server (after <c>exec</c>, its PID is the server's own).</summary>
    public Process Process { get; private set; }

    public int Port => _spec.Port;

    public string Url => $"nats://{LocalHost}:{_spec.Port}";

    /// <summary>The APP account with explicit credentials; null without <see cref="NatsServerSpec.Accounts"/>.</summary>
    public string? AppUrl { get; }

    /// <summary>The system account's user (for a health monitor's <c>$SYS</c> advisories); null without accounts.</summary>
    public string? SysUrl { get; }

    public string ConfigFile => Path.Combine(_spec.Directory, _spec.ConfigFileName);

    public string LogFile => _spec.LogFile ?? Path.Combine(_spec.Directory, "nats-server.log");

    /// <summary>nats-server on PATH, in <paramref name="extraDirs"/>, or in /usr/sbin and /usr/bin (Debian's package); null if none.</summary>
    public static string? FindBinary(params string[] extraDirs) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(extraDirs).Append("/usr/sbin").Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "nats-server"))
            .FirstOrDefault(File.Exists);

    /// <summary>Writes the config, starts the server and waits until it accepts connections and JetStream answers.</summary>
    /// <exception cref="NatsServerLaunchException">No binary, an early exit or no readiness in time (the message names the log).</exception>
    public static async Task<NatsServerProcess> StartAsync(NatsServerSpec spec, CancellationToken ct = default)
    {
        var binary = FindBinary([.. spec.SearchDirs]) ?? throw new NatsServerLaunchException("nats-server is not installed (looked on PATH, in /usr/sbin and /usr/bin)");
        Directory.CreateDirectory(spec.Directory);
        string? appPassword = null, sysPassword = null;
        if (spec.Accounts)
        {
            (appPassword, sysPassword) = (NewPassword(), NewPassword());
        }

        var server = new NatsServerProcess(spec, binary, appPassword, sysPassword);
        await File.WriteAllTextAsync(server.ConfigFile, server.ConfigText(appPassword, sysPassword), ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(server.ConfigFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await server.StartProcessAsync(ct);
        return server;
    }

    /// <summary>Starts the server again on the same port, config and JetStream store (killing it first if it still runs).</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await KillAsync();
        await StartProcessAsync(ct);
    }

    /// <summary>SIGKILL: the server gets no chance to flush or say goodbye.</summary>
    public async Task KillAsync()
    {
        // Once exited (and reaped), the PID may belong to another process: never signal it then.
        if (!Process.HasExited)
        {
            Signal(Process.Id, NativeMethods.SigKill);
        }

        await Process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>.</summary>
    public Task StopAsync(TimeSpan grace) => Process.HasExited ? Task.CompletedTask : Task.Run(() => Stop(Process.Id, grace));

    /// <summary>The last <paramref name="lines"/> lines of the server's log (e.g. its slow-consumer warnings).</summary>
    public string RecentLog(int lines = 200)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var all = new StreamReader(stream).ReadToEnd().Split('\n');
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>SIGTERM to <paramref name="pid"/>, then SIGKILL if it still runs after <paramref name="grace"/>.</summary>
    public static void Stop(int pid, TimeSpan grace)
    {
        Signal(pid, NativeMethods.SigTerm);
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && IsAlive(pid))
        {
            Thread.Sleep(50);
        }

        Signal(pid, NativeMethods.SigKill);
        for (var i = 0; i < 20 && IsAlive(pid); i++)
        {
            Thread.Sleep(50);
        }
    }

    /// <summary>Whether <paramref name="pid"/> runs; a zombie (exited, not yet reaped by its parent) counts as gone.</summary>
    public static bool IsAlive(int pid)
    {
        if (NativeMethods.Kill(pid, 0) == 0)
        {
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

    /// <summary>Deletes a server's folder (config, log, store), ignoring what is already gone or busy.</summary>
    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>SIGHUP: the server reloads its config (e.g. account JWTs with new revocations).</summary>
    public static void Reload(int pid) => Signal(pid, NativeMethods.SigHup);

    private static void Signal(int pid, int signal) => _ = NativeMethods.Kill(pid, signal);

    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private string AccountUrl(string user, string password) => $"nats://{user}:{password}@{LocalHost}:{_spec.Port}";

    private string ConfigText(string? appPassword, string? sysPassword)
    {
        var lines = new List<string>();
        if (_spec.Header is { } header)
        {
            lines.AddRange(header.Split('\n').Select(l => "# " + l));
        }

        // `listen` binds loopback only; `port` (the reference's `oam mesh up`) binds every interface.
        lines.Add(_spec.LoopbackOnly ? $"listen: {LocalHost}:{_spec.Port}" : $"port: {_spec.Port}");
        if (_spec.ServerName is { } name)
        {
            lines.Add($"server_name: {name}");
        }

        if (_spec.PingInterval is { } ping)
        {
            lines.Add($"ping_interval: \"{(int)ping.TotalSeconds}s\"");
            lines.Add("ping_max: 2");
        }

        if (_spec.MaxPayload is { } maxPayload)
        {
            lines.Add($"max_payload: {maxPayload}");
        }

        if (_spec.IncludeConfig is { } include)
        {
            // An operator-mode config (`oam auth init`): accounts, resolver and the JetStream store come from it. Included
            // by a path relative to this config (nats-server joins include paths to the including file's folder), so an
            // `oam auth user revoke` that rewrites it reaches this server on reload.
            lines.Add($"include \"{Path.GetRelativePath(_spec.Directory, include)}\"");
        }
        else
        {
            lines.Add($"jetstream {{ store_dir: \"{Path.GetFullPath(_spec.StoreDir ?? Path.Combine(_spec.Directory, "jetstream"))}\" }}");
        }

        if (appPassword is not null && sysPassword is not null)
        {
            // APP: JetStream, and the no-auth user; SYS: the system account, whose user a health monitor needs for
            // $SYS.ACCOUNT.*.DISCONNECT advisories. Passwords are fresh per start.
            lines.Add($$"""
                accounts {
                  APP {
                    jetstream: enabled
                    users: [ { user: "{{AppUser}}", password: "{{appPassword}}" } ]
                  }
                  SYS {
                    users: [ { user: "{{SysUser}}", password: "{{sysPassword}}" } ]
                  }
                }
                system_account: SYS
                no_auth_user: "{{AppUser}}"
                """);
        }

        if (_spec.WebSocketPort is { } ws)
        {
            lines.Add($"websocket {{\n  port: {ws}\n  no_tls: true\n}}");
        }

        if (_spec.ExtraConfig is { } extra)
        {
            lines.Add(extra);
        }

        return string.Join('\n', lines) + "\n";
    }

    private async Task StartProcessAsync(CancellationToken ct)
    {
        Process = StartLogged([_binary, "-c", ConfigFile], LogFile, _spec.OwnSession);
        try
        {
            await WaitReadyAsync(ct);
        }
        catch
        {
            if (!Process.HasExited)
            {
                Stop(Process.Id, TimeSpan.Zero);
            }

            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> through <c>/bin/sh</c> so that its stdio goes to <paramref name="log"/> (never to our
    /// pipes: a caller that reads our output to the end must not wait for the child), and <c>exec</c> keeps the PID.
    /// <paramref name="ownSession"/>: under <c>setsid</c>, so the Ctrl+C (or the end) of our session does not reach it.
    /// </summary>
    public static Process StartLogged(IReadOnlyList<string> command, string log, bool ownSession)
    {
        var setsid = ownSession ? SetSidPaths.FirstOrDefault(File.Exists) : null;
        var psi = new ProcessStartInfo(setsid ?? "/bin/sh") { UseShellExecute = false };
        if (setsid is not null)
        {
            psi.ArgumentList.Add("/bin/sh");
        }

        foreach (var arg in new[] { "-c", "log=\"$1\"; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1", "sh", log }.Concat(command))
        {
            psi.ArgumentList.Add(arg);
        }

        return Process.Start(psi) ?? throw new NatsServerLaunchException($"could not start {command[0]}");
    }

    private async Task WaitReadyAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + _spec.ReadyTimeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new NatsServerLaunchException($"nats-server exited at once (code {Process.ExitCode}); see {LogFile}:\n{RecentLog(20)}");
            }

            try
            {
                await using var nats = new NatsConnection(_spec.ClientOpts(NatsOpts.Default with { Url = Url, Name = "nats-readiness-probe" }));
                await nats.ConnectAsync();
                await new NatsJSContext(nats).GetAccountInfoAsync(ct);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                last = e;
                await Task.Delay(50, ct);
            }
        }

        throw new NatsServerLaunchException($"nats-server on port {Port} did not become ready within {_spec.ReadyTimeout.TotalSeconds:0} s ({last?.Message}); see {LogFile}");
    }

    private static class NativeMethods
    {
        public const int SigHup = 1;
        public const int SigTerm = 15;
        public const int SigKill = 9;
        public const int EPerm = 1;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Kill(int pid, int signal);
    }
}

/// <summary>How <see cref="NatsServerProcess"/> configures and runs a server.</summary>
internal sealed record NatsServerSpec
{
    public required int Port { get; init; }

    /// <summary>The folder for the config, the log and (unless <see cref="StoreDir"/>) the JetStream store.</summary>
    public required string Directory { get; init; }

    public string ConfigFileName { get; init; } = "nats.conf";

    /// <summary>Where to look for the binary after PATH (before /usr/sbin and /usr/bin).</summary>
    public IReadOnlyList<string> SearchDirs { get; init; } = [];

    /// <summary>Where the server's output goes. Default: <c>nats-server.log</c> in <see cref="Directory"/>.</summary>
    public string? LogFile { get; init; }

    /// <summary>The JetStream store. Default: <c>jetstream</c> in <see cref="Directory"/>.</summary>
    public string? StoreDir { get; init; }

    /// <summary>A comment at the top of the config: who wrote it.</summary>
    public string? Header { get; init; }

    /// <summary>Listen on 127.0.0.1 only (default) rather than every interface.</summary>
    public bool LoopbackOnly { get; init; } = true;

    public string? ServerName { get; init; }

    /// <summary>Client pings (with <c>ping_max: 2</c>): how soon a dead client's connection closes. Default: the server's.</summary>
    public TimeSpan? PingInterval { get; init; }

    public int? MaxPayload { get; init; }

    /// <summary>Accounts APP (JetStream, no-auth user <c>oam-app</c>) and SYS (system account, user <c>oam-sys</c>).</summary>
    public bool Accounts { get; init; }

    public int? WebSocketPort { get; init; }

    /// <summary>A config file to include (operator mode, with its own JetStream block) instead of the JetStream line and accounts.</summary>
    public string? IncludeConfig { get; init; }

    /// <summary>Extra config lines (tls, limits).</summary>
    public string? ExtraConfig { get; init; }

    /// <summary>Run under <c>setsid</c>: a Ctrl+C meant for the parent does not stop the server.</summary>
    public bool OwnSession { get; init; }

    /// <summary>How the readiness probe connects (e.g. TLS files).</summary>
    public Func<NatsOpts, NatsOpts> ClientOpts { get; init; } = o => o;

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(20);
}

internal sealed class NatsServerLaunchException(string message) : Exception(message);
