using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;

namespace OamOrleans.Client;

// Opening connections from an endpoint: what hosts, the CLI and tools need besides MeshClient, in one public place.
public sealed partial record MeshEndpoint
{
    /// <summary>
    /// NATS.Net options for a connection to this endpoint: URL, every credential (creds file, NKey seed file, token; a user
    /// and password ride in the URL), TLS files and inbox prefix, named <paramref name="connectionName"/> when given.
    /// </summary>
    public NatsOpts ToNatsOpts(string? connectionName = null)
    {
        var opts = MeshConnections.Base(this) with
        {
            // A mesh request with headers and a JSON body should not be dropped behind a slow consumer.
            SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
        };
        return connectionName is null ? opts : opts with { Name = connectionName };
    }

    /// <summary>
    /// Opens a connection to this endpoint (<see cref="ToNatsOpts"/>). With <paramref name="waitFor"/> zero it tries once;
    /// otherwise it retries with backoff (250 ms doubling up to 5 s) while the server is not there yet, for a host that
    /// may start before NATS does, logging each wait with the URL's credentials redacted.
    /// </summary>
    /// <param name="connectionName">The name the server shows; OpenAgentMesh hosts use <c>oam-host-{instance_id}</c>.</param>
    /// <param name="waitFor">How long to keep trying; zero: one attempt.</param>
    /// <param name="logger">Where the waits are logged; none when null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ConnectionDeniedException">The server refused the credentials (never retried); the message names the credential, never its content.</exception>
    /// <exception cref="ConnectionFailedException">One attempt (<paramref name="waitFor"/> zero) could not reach the server.</exception>
    /// <exception cref="MeshUnavailableException">The server did not accept a connection within <paramref name="waitFor"/>.</exception>
    public async Task<NatsConnection> ConnectAsync(string? connectionName = null, TimeSpan waitFor = default, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        if (waitFor > TimeSpan.Zero)
        {
            return await MeshConnectWait.ConnectAsync(this, connectionName, waitFor, logger ?? NullLogger.Instance, cancellationToken).ConfigureAwait(false);
        }

        var connection = new NatsConnection(ToNatsOpts(connectionName));
        try
        {
            await MeshConnections.OpenAsync(connection, this, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// <paramref name="text"/> with the credentials of every URL in it (<c>user:password@</c>, <c>token@</c>) replaced by
    /// <c>***@</c>, for logs and errors.
    /// </summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MeshConnectWait.Redact(text);
    }

    /// <summary>
    /// The file that records the inbox prefix of the user of <paramref name="credsFile"/> (<c>alice.creds</c> →
    /// <c>alice.inbox</c>), which <see cref="Resolve"/> reads: <c>oam auth user add --private-inbox</c> writes it.
    /// </summary>
    public static string InboxFileFor(string credsFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(credsFile);
        return MeshInboxFile.PathFor(credsFile);
    }

    /// <summary>Records <paramref name="inboxPrefix"/> next to <paramref name="credsFile"/> (<see cref="InboxFileFor"/>), or removes a stale record when null.</summary>
    /// <exception cref="ArgumentException"><paramref name="inboxPrefix"/> is not a valid prefix (<see cref="IsInboxPrefix"/>).</exception>
    public static void WriteInboxFile(string credsFile, string? inboxPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(credsFile);
        if (inboxPrefix is not null && !IsInboxPrefix(inboxPrefix))
        {
            throw new ArgumentException($"'{inboxPrefix}' is not an inbox prefix: dot-separated tokens of letters, digits, '_' and '-'.", nameof(inboxPrefix));
        }

        MeshInboxFile.Write(credsFile, inboxPrefix);
    }
}
