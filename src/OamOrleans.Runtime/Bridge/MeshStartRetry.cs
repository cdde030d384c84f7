using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using Orleans.Runtime;

namespace OamOrleans.Bridge;

/// <summary>
/// Runs the KV operations of a silo's start (bucket get-or-create, registration) until they succeed: the mesh's state
/// (a bucket another implementation made, a key that cannot be written for a while) must never crash the silo. Each
/// failure is logged with its bucket, key and error; the pause doubles from 100 ms up to
/// <see cref="MeshHostOptions.StartRetryMaxDelay"/>. Only cancellation of the start, or a configuration error no retry can
/// cure (<see cref="OrleansConfigurationException"/>, e.g. replicas a lone server cannot hold), ends it early.
/// </summary>
internal static partial class MeshStartRetry
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);

    public static async Task<T> RunAsync<T>(ILogger logger, TimeSpan maxDelay, string bucket, string key, Func<CancellationToken, ValueTask<T>> operation, CancellationToken ct)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await operation(ct);
                if (attempt > 1)
                {
                    LogSucceeded(logger, bucket, key, attempt);
                }

                return result;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not OrleansConfigurationException)
            {
                LogFailed(logger, bucket, key, attempt, delay, e.Message, e);
            }

            await Task.Delay(delay, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
        }
    }

    public static Task RunAsync(ILogger logger, TimeSpan maxDelay, string bucket, string key, Func<CancellationToken, ValueTask> operation, CancellationToken ct) =>
        RunAsync(logger, maxDelay, bucket, key, async c => { await operation(c); return true; }, ct);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mesh start: KV bucket '{Bucket}' key '{Key}' failed (attempt {Attempt}), retrying in {Delay}: {Error}")]
    private static partial void LogFailed(ILogger logger, string bucket, string key, int attempt, TimeSpan delay, string error, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mesh start: KV bucket '{Bucket}' key '{Key}' succeeded at attempt {Attempt}")]
    private static partial void LogSucceeded(ILogger logger, string bucket, string key, int attempt);
}
