using System.Diagnostics;
using System.Globalization;
using OamOrleans.Nats;

namespace OamOrleans.Cli;

/// <summary>
/// The sample silo (<c>oam-silo</c>) as <c>oam demo</c> runs it: a child process with its embedded nats-server, NATS
/// clustering and state (so the UI's Orleans view and conversation state have something to show), free ports, and a
/// temporary folder for its data and log. The tool does not host Orleans itself: it stays a small client, and the
/// newcomer sees the very silo they would deploy.
/// </summary>
internal sealed class DemoSilo : IAsyncDisposable
{
    /// <summary>Points <c>oam demo</c> at <c>oam-silo.dll</c> or an <c>oam-silo</c> executable.</summary>
    public const string SiloVariable = "OAM_SILO";

    private readonly Process _process;

    private DemoSilo(Process process, string workDir, int natsPort)
    {
        _process = process;
        WorkDir = workDir;
        NatsPort = natsPort;
    }

    public string WorkDir { get; }

    public int NatsPort { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogFile => Path.Combine(WorkDir, "oam-silo.log");

    /// <summary>The silo to run: <c>OAM_SILO</c>, else one next to this tool, else a build in the source tree above it or the current folder.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable(SiloVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? Path.GetFullPath(configured) : throw new CliFailure($"{SiloVariable} points to a missing file: {configured}");
        }

        foreach (var name in new[] { "oam-silo.dll", "oam-silo" })
        {
            var beside = Path.Combine(AppContext.BaseDirectory, name);
            if (File.Exists(beside))
            {
                return beside;
            }
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var configuration in new[] { "Release", "Debug" })
                {
                    var built = Path.Combine(dir.FullName, "silo", "OamOrleans.Silo", "bin", configuration, "net10.0", "oam-silo.dll");
                    if (File.Exists(built))
                    {
                        return built;
                    }
                }
            }
        }

        return null;
    }

    public static DemoSilo Start(string silo, int natsPort)
    {
        var workDir = Directory.CreateTempSubdirectory("oam-demo-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["OAM_NATS_PORT"] = natsPort.ToString(CultureInfo.InvariantCulture),
            ["OAM_DATA_DIR"] = Path.Combine(workDir, ".oam-data"),
            ["OAM_CLUSTERING"] = "nats",
            ["OAM_STORAGE"] = "nats",
            ["OAM_CLUSTER_ID"] = "oam-demo",
            ["OAM_SILO_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_GATEWAY_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
        };
        List<string> command = ["env", "-u", "OAM_URL", "-C", workDir, .. settings.Select(p => $"{p.Key}={p.Value}")];
        if (silo.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            command.AddRange([Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet", "exec", silo]);
        }
        else
        {
            command.Add(silo);
        }

        var process = NatsServerProcess.StartLogged(command, Path.Combine(workDir, "oam-silo.log"), ownSession: true);
        return new DemoSilo(process, workDir, natsPort);
    }

    /// <summary>The last lines of the silo's log, for an error message.</summary>
    public string RecentLog(int lines = 15)
    {
        try
        {
            return string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>SIGTERM (the silo deregisters its agents and stops its embedded server), SIGKILL after 30 s; then the folder goes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            NatsServerProcess.Stop(_process.Id, TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(35)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _process.Dispose();
        NatsServerProcess.DeleteDirectory(WorkDir);
    }
}
