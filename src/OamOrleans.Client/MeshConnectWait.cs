using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace OamOrleans.Client;

/// <summary>
/// Opens the first connection of a host that may start before NATS does (a container deployment): retries with backoff
/// (250 ms doubling up to 5 s) until the server accepts or the time is up, logging "waiting for NATS" with the URL's
/// credentials redacted.
/// </summary>
internal static partial class MeshConnectWait
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>A connected connection to <paramref name="endpoint"/> named <paramref name="connectionName"/> (NATS.Net's default name when null).</summary>
    /// <exception cref="MeshUnavailableException">NATS did not accept a connection within <paramref name="timeout"/>.</exception>
    public static async Task<NatsConnection> ConnectAsync(MeshEndpoint endpoint, string? connectionName, TimeSpan timeout, ILogger logger, CancellationToken ct = default)
    {
        var opts = endpoint.ToNatsOpts(connectionName);
        var url = Redact(endpoint.Url);
        var deadline = DateTime.UtcNow + timeout;
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            var connection = new NatsConnection(opts);
            try
            {
                await connection.ConnectAsync().ConfigureAwait(false);
                if (attempt > 1)
                {
                    LogReached(logger, url, attempt);
                }

                return connection;
            }
            catch (NatsException e) when (MeshConnections.IsAuthFailure(e))
            {
                // Waiting does not fix refused credentials: fail now, naming the credential (never its content).
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new MeshUnavailableException(MeshConnections.DeniedMessage(endpoint, e), e);
            }
            catch (NatsException e)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new MeshUnavailableException(
                        $"NATS at {url} did not accept a connection within {timeout.TotalSeconds:0.#} s ({Redact(e.Message)}). "
                        + "Start nats-server with JetStream there, or set OAM_URL (Oam:Url); OAM_CONNECT_TIMEOUT sets how long to wait.",
                        e);
                }

                LogWaiting(logger, url, Redact(e.Message), left.TotalSeconds);
                await Task.Delay(delay < left ? delay : left, ct).ConfigureAwait(false);
                delay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
            }
        }
    }

    /// <summary>
    /// <paramref name="text"/> with the credentials of every URL in it (<c>user:password@</c>, <c>token@</c>) replaced by
    /// <c>***@</c>, for logs and errors.
    /// </summary>
    public static string Redact(string text) => Credentials().Replace(text, "$1***@");

    [System.Text.RegularExpressions.GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s,]+@")]
    private static partial System.Text.RegularExpressions.Regex Credentials();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for NATS at {Url} ({Error}); retrying for up to {SecondsLeft:0} s more")]
    private static partial void LogWaiting(ILogger logger, string url, string error, double secondsLeft);

    [LoggerMessage(Level = LogLevel.Information, Message = "NATS at {Url} accepted the connection at attempt {Attempt}")]
    private static partial void LogReached(ILogger logger, string url, int attempt);
}

/// <summary>NATS did not accept a connection in the time allowed (<c>OAM_CONNECT_TIMEOUT</c>): an expected condition, not a crash.</summary>
public sealed class MeshUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
