using System.Diagnostics;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Net;
using OamOrleans.Testing;

namespace OamOrleans.Interop.Tests;

/// <summary>
/// The real silo executable (<c>dotnet oam-silo.dll</c>) in its own process, connected to a test nats-server
/// through <c>OAM_URL</c>, on free silo and gateway ports, in a temporary working folder.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>The sample agents the silo hosts.</summary>
    public static readonly IReadOnlyList<string> SampleAgents =
        ["demo.clock", "demo.counter", "demo.echo", "demo.fail", "demo.greet", "demo.shout"];

    private readonly Process _process;
    private readonly string _workDir;
    private readonly Queue<string> _log = new();

    private SiloProcess(Process process, string workDir)
    {
        _process = process;
        _workDir = workDir;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the silo wrote (stdout and stderr), for failure messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Starts the silo and waits until the catalog lists every sample agent.</summary>
    public static async Task<SiloProcess> StartAsync(NatsServer nats, TimeSpan readyTimeout)
    {
        var dll = InteropPaths.SiloDll();
        var workDir = Directory.CreateTempSubdirectory("oam-interop-silo-").FullName;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet, [dll])
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.Environment["OAM_URL"] = nats.Url;
        psi.Environment["OAM_SILO_PORT"] = NatsServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["OAM_GATEWAY_PORT"] = NatsServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["OAM_DATA_DIR"] = Path.Combine(workDir, ".oam-data");
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["Logging__Console__FormatterName"] = "simple";

        var process = new Process { StartInfo = psi };
        var silo = new SiloProcess(process, workDir);
        process.OutputDataReceived += (_, e) => silo.Record(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await silo.WaitForCatalogAsync(nats, readyTimeout);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends SIGTERM (graceful stop) and waits for the exit; SIGKILL if it does not exit in time.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>Waits for the process to exit (whoever stopped it); false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!await TerminateAsync(TimeSpan.FromSeconds(30)))
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > 200)
            {
                _log.Dequeue();
            }
        }
    }

    private async Task WaitForCatalogAsync(NatsServer nats, TimeSpan timeout)
    {
        await using var connection = nats.Connect("interop-readiness");
        var kv = connection.CreateKeyValueStoreContext();
        var deadline = DateTime.UtcNow + timeout;
        var last = "(no catalog yet)";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the silo exited with code {_process.ExitCode} before it registered its agents:\n{RecentOutput}");
            }

            try
            {
                var store = await kv.GetStoreAsync("mesh-catalog");
                var entry = await store.GetEntryAsync<string>("catalog");
                last = entry.Value ?? "";
                using var doc = JsonDocument.Parse(last);
                var names = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToHashSet();
                if (SampleAgents.All(names.Contains))
                {
                    return;
                }
            }
            catch (Exception e) when (e is NatsException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                last = e.Message;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the silo did not list {string.Join(", ", SampleAgents)} in mesh-catalog within {timeout.TotalSeconds:0} s (last: {last}):\n{RecentOutput}");
    }
}
