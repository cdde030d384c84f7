namespace OamOrleans.Testing;

/// <summary>
/// The one wait-until-condition helper of the tests: polls a condition until it holds, and fails after a timeout with
/// a message that names what was awaited, the condition's last error and (if given) a process's recent output.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Polls <paramref name="condition"/> every <paramref name="interval"/> (default 25 ms) until it holds. Its errors count
    /// as "not yet" (the mesh may be starting or restarting) and show in the timeout message. Fails at once if
    /// <paramref name="process"/> exits, and with its recent output on timeout.
    /// </summary>
    /// <param name="what">What is awaited, as a clause: "the catalog lists demo.echo".</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, ChildProcess? process = null, TimeSpan? interval = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        Exception? last = null;
        while (true)
        {
            process?.ThrowIfExited($"while waiting until {what}");
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e)
            {
                last = e;
            }

            if (DateTime.UtcNow > deadline)
            {
                var error = last is null ? "" : $" (last error: {last.GetType().Name}: {last.Message})";
                var output = process is null ? "" : $"\n{process.Name} wrote:\n{process.RecentOutput}";
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0.#} s waiting until {what}{error}{output}", last);
            }

            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, string, TimeSpan?, ChildProcess?, TimeSpan?)"/>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, ChildProcess? process = null, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout, process, interval);
}
