using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace OamOrleans.Cli.Tests;

/// <summary>The result of one run of the real <c>oam</c> tool.</summary>
public sealed record OamResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs the built tool as a separate process (<c>dotnet oam.dll …</c>), exactly as a user would, with a clean
/// environment for mesh resolution (no inherited <c>OAM_URL</c>/<c>OAM_CREDS</c>) and a working directory of the test's choice.
/// </summary>
public static class OamTool
{
    public static string Dll { get; } = FindDll();

    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs <c>oam args</c> to completion. Stdin is closed empty unless <paramref name="stdin"/> is given.</summary>
    public static async Task<OamResult> RunAsync(
        IEnumerable<string> args, string? url = null, string? stdin = null, string? cwd = null,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        using var process = Start(args, url, cwd, env);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"oam {string.Join(' ', args)} did not finish: {await stdout}\n{await stderr}");
        }

        return new OamResult(process.ExitCode, (await stdout).Replace("\r\n", "\n", StringComparison.Ordinal), (await stderr).Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    /// <summary>Starts a long-running command (listen, subscribe, watch); the caller reads its output and stops it.</summary>
    public static RunningOam StartLong(IEnumerable<string> args, string? url = null, string? cwd = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var process = Start(args, url, cwd, env);
        process.StandardInput.Close();
        return new RunningOam(process);
    }

    private static Process Start(IEnumerable<string> args, string? url, string? cwd, IReadOnlyDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cwd ?? Path.GetTempPath(),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Remove("OAM_URL");
        psi.Environment.Remove("OAM_CREDS");
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (url is not null)
        {
            psi.Environment["OAM_URL"] = url;
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
    }

    private static string FindDll()
    {
        var configured = typeof(OamTool).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "OamCliDll")?.Value;
        if (configured is not null && File.Exists(configured))
        {
            return configured;
        }

        // Fallback: the copy next to the test assembly (the CLI project is a project reference).
        var local = Path.Combine(AppContext.BaseDirectory, "oam.dll");
        return File.Exists(local) ? local : throw new FileNotFoundException($"oam.dll not found at {configured} or {local}: build src/OamOrleans.Cli first");
    }
}

/// <summary>A running <c>oam</c> process whose output lines are collected as they arrive.</summary>
public sealed class RunningOam : RunningCommand
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly object _gate = new();

    internal RunningOam(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Add(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public override string Stdout
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _stdout);
            }
        }
    }

    public override string Stderr
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    public override bool HasExited => _process.HasExited;

    public override int ExitCode => _process.ExitCode;

    /// <summary>Sends SIGTERM, as a service manager or <c>kill</c> does.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start kill");
        await kill.WaitForExitAsync();
    }

    public override async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            lines.Add(line);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
