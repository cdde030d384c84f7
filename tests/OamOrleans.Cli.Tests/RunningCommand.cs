namespace OamOrleans.Cli.Tests;

/// <summary>A long-running <c>oam</c> command (listen, subscribe, watch, monitor), as a process or in-process; the test reads its output and stops it.</summary>
public abstract class RunningCommand : IAsyncDisposable
{
    public abstract string Stdout { get; }

    public abstract string Stderr { get; }

    public abstract bool HasExited { get; }

    public abstract int ExitCode { get; }

    public abstract Task<int> WaitForExitAsync(TimeSpan timeout);

    public abstract ValueTask DisposeAsync();

    /// <summary>Waits until <paramref name="condition"/> holds for (stdout, stderr), or fails with what was seen.</summary>
    public async Task WaitForAsync(Func<string, string, bool> condition, TimeSpan? timeout = null, string what = "output")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (condition(Stdout, Stderr))
            {
                return;
            }

            if (HasExited)
            {
                // Let the last lines arrive.
                await Task.Delay(100);
                if (condition(Stdout, Stderr))
                {
                    return;
                }

                throw new InvalidOperationException($"oam exited ({ExitCode}) before {what}:\n{Stdout}\n{Stderr}");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no {what} within the deadline:\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
    }
}
