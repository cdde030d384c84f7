using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace OamOrleans.Testing;

/// <summary>
/// A process a test starts and owns (a silo, an agent host, nats-server): its stdout and stderr lines are captured as
/// they arrive, waits have deadlines and fail with what the process printed, and it is stopped with SIGKILL or a
/// graceful SIGTERM. Dispose stops it (see <see cref="ChildProcessOptions.GracefulStopTimeout"/>) and cleans up.
/// </summary>
/// <remarks>
/// Stdin stays open and empty: a child that reads it (to take commands, or to exit at EOF) sees EOF when the test
/// runner dies, so no orphan outlives a crashed test run.
/// </remarks>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int RecentLines = 200;

    private readonly Process _process;
    private readonly ChildProcessOptions _options;
    // Every line, not just the recent ones: a wait also finds a line written before it began.
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private int _disposed;

    private ChildProcess(Process process, ChildProcessOptions options)
    {
        _process = process;
        _options = options;
    }

    /// <summary>The dotnet host that runs the tests (<c>DOTNET_HOST_PATH</c>), else <c>dotnet</c> from PATH.</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public string Name => _options.Name;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last 200 lines the process wrote (stdout and stderr interleaved), for failure messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines.Skip(_lines.Count - RecentLines));
            }
        }
    }

    /// <summary>Starts the process; the caller decides when it is ready.</summary>
    public static ChildProcess Start(ChildProcessOptions options)
    {
        var psi = new ProcessStartInfo(options.FileName, options.Arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? "",
        };
        foreach (var (key, value) in options.Environment)
        {
            psi.Environment[key] = value;
        }

        var process = new Process { StartInfo = psi };
        var child = new ChildProcess(process, options);
        process.OutputDataReceived += (_, e) => child.Record(e.Data);
        process.ErrorDataReceived += (_, e) => child.Record(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"cannot start {options.Name} ('{options.FileName}'): {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Starts the process and waits with <paramref name="untilReady"/>. If that fails, the process is stopped and
    /// cleaned up (as by <see cref="DisposeAsync"/>) before the error surfaces: a failed start leaves nothing behind.
    /// </summary>
    public static async Task<ChildProcess> StartAsync(ChildProcessOptions options, Func<ChildProcess, Task> untilReady) =>
        (await StartAsync(options, async p =>
        {
            await untilReady(p);
            return true;
        })).Process;

    /// <inheritdoc cref="StartAsync(ChildProcessOptions, Func{ChildProcess, Task})"/>
    /// <returns>The process and what <paramref name="untilReady"/> returned (e.g. the readiness line).</returns>
    public static async Task<(ChildProcess Process, T Ready)> StartAsync<T>(ChildProcessOptions options, Func<ChildProcess, Task<T>> untilReady)
    {
        var child = Start(options);
        try
        {
            return (child, await untilReady(child));
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs a test assembly as its own executable (<c>dotnet exec</c>, with <paramref name="arguments"/> naming the role it
    /// plays: a silo, an agent host) and waits for the line that starts with <paramref name="readyPrefix"/>.
    /// </summary>
    /// <returns>The process and the rest of its ready line (e.g. the silo address it reports).</returns>
    public static async Task<(ChildProcess Process, string Ready)> StartTestAssemblyAsync(
        System.Reflection.Assembly assembly, string name, IReadOnlyList<string> arguments, string readyPrefix, TimeSpan timeout)
    {
        var (process, line) = await StartAsync(
            new ChildProcessOptions { Name = name, Arguments = ["exec", assembly.Location, .. arguments] },
            p => p.WaitForLineAsync(l => l.StartsWith(readyPrefix, StringComparison.Ordinal), timeout, readyPrefix.Trim()));
        return (process, line[readyPrefix.Length..]);
    }

    /// <summary>
    /// Returns the first line (already written or still to come) that <paramref name="match"/> accepts. Fails with the
    /// recent output if the process exits first (<see cref="InvalidOperationException"/>) or the timeout passes
    /// (<see cref="TimeoutException"/>); <paramref name="what"/> names the awaited line in those messages.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        (Func<string, bool> Match, TaskCompletionSource<string> Seen) waiter = (match, new(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_lines)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            _waiters.Add(waiter);
        }

        var seen = waiter.Seen.Task;
        try
        {
            // WaitForExitAsync also waits until both streams are drained, so a line written just before exit has been seen.
            await Task.WhenAny(seen, _process.WaitForExitAsync()).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not write {what} within {timeout.TotalSeconds:0} s:\n{RecentOutput}");
        }
        finally
        {
            lock (_lines)
            {
                _waiters.Remove(waiter);
            }
        }

        return seen.IsCompleted
            ? await seen
            : throw new InvalidOperationException($"{Name} exited with code {ExitCode} before it wrote {what}:\n{RecentOutput}");
    }

    /// <summary>Fails with the exit code and the recent output if the process has exited; <paramref name="when"/> says when that was unexpected.</summary>
    public void ThrowIfExited(string? when = null)
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"{Name} exited with code {ExitCode}{(when is null ? "" : " " + when)}:\n{RecentOutput}");
        }
    }

    /// <summary>Writes one line to the process's stdin (for children that take commands there).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>SIGKILL to the process and its descendants (none of their code runs), then waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// SIGTERM (graceful stop), then waits for the exit; false if it is still running after <paramref name="timeout"/>,
    /// or if SIGTERM cannot be sent (no <c>kill</c> program): the caller then kills it.
    /// </summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }
        }
        catch (Win32Exception)
        {
            return false;
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>Waits for the process to exit, whoever stopped it; false on timeout.</summary>
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
        // Owners may dispose twice (a test's await using and its fixture's list of owned processes).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_options.GracefulStopTimeout is not { } grace || !await TerminateAsync(grace))
            {
                await KillAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // The process is already gone.
        }

        _process.Dispose();
        if (_options.DeleteWorkingDirectory && _options.WorkingDirectory is { } dir)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)))
            {
                waiter.Seen.TrySetResult(line);
            }
        }
    }
}
