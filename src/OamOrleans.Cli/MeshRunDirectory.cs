using System.Globalization;

namespace OamOrleans.Cli;

/// <summary>
/// Where <c>oam mesh up</c> keeps a local mesh's files, like the reference (§8): <c>~/.agentmesh/run</c> (or
/// <c>$OAM_HOME/run</c>) holds the server's config, log, data and PID file, and the health monitor's config, log and PID file.
/// </summary>
internal sealed class MeshRunDirectory(string path)
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
            ? System.IO.Path.GetFullPath(home)
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".agentmesh");

    /// <summary>The run directory of <see cref="Home"/>.</summary>
    public static MeshRunDirectory Default => new(System.IO.Path.Combine(Home, "run"));

    public string Path { get; } = path;

    /// <summary>Where a nats-server binary is looked for after PATH.</summary>
    public static string BinDir => System.IO.Path.Combine(Home, "bin");

    public string PidFile => File(PidFileName);

    public string MonitorPidFile => File(MonitorPidFileName);

    public string LogFile => File(LogFileName);

    public string MonitorConfigFile => File(MonitorConfigFileName);

    public string MonitorLogFile => File(MonitorLogFileName);

    public string AuthDirFile => File(AuthDirFileName);

    public string DataDir => File("data");

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The PID recorded in <paramref name="file"/>; null when there is none or it cannot be read.</summary>
    public static int? ReadPid(string file)
    {
        try
        {
            return int.TryParse(System.IO.File.ReadAllText(file).Trim(), out var pid) && pid > 0 ? pid : null;
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

    public static Task WritePidAsync(string file, int pid, CancellationToken ct) =>
        System.IO.File.WriteAllTextAsync(file, pid.ToString(CultureInfo.InvariantCulture), ct);

    public static void TryDelete(string file)
    {
        try
        {
            System.IO.File.Delete(file);
        }
        catch (IOException)
        {
        }
    }
}
