using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Nats;

namespace OamOrleans.Client;

/// <summary>
/// The mesh's health monitor (§4.6): turns <c>$SYS.ACCOUNT.*.DISCONNECT</c> advisories of connections named
/// <c>oam-host-{instance_id}</c> into cleanup. For a host whose <c>mesh-instances/{instance_id}</c> record still exists
/// (it did not shut down gracefully) it deletes the record, then deregisters every agent of that host that no other live
/// instance lists (catalog CAS + registry delete) and publishes a <c>reason: "disconnect"</c> death notice for it.
/// </summary>
/// <remarks>
/// <para>
/// Several monitors may run at once (one per silo, or a companion process next to them): the instance record is
/// deleted with an expected-revision condition, so exactly one monitor wins each dead host and only that one
/// deregisters and notifies. Catalog writes are compare-and-swap, so concurrent cleanups never lose entries. When two
/// hosts serving the same agent die at the same moment and two monitors handle them, the agent is always deregistered
/// (never left stale), possibly with two notices.
/// </para>
/// <para>
/// Advisories are read by one loop and handled in order by another, so a burst of disconnects is never dropped and a
/// malformed advisory, an unreachable bucket or a failed cleanup is logged and skipped; the monitor keeps running.
/// </para>
/// </remarks>
internal sealed partial class HealthMonitor : IAsyncDisposable
{
    private static readonly TimeSpan CleanupGrace = TimeSpan.FromSeconds(10);

    private readonly INatsConnection _connection;
    private readonly INatsConnection _sysConnection;
    private readonly bool _ownsConnection;
    private readonly bool _ownsSysConnection;
    private readonly MeshRegistry _registry;
    private readonly INatsKVStore _instances;
    private readonly INatsSub<byte[]> _subscription;
    private readonly ILogger _logger;
    private readonly int _deregisterRounds;
    private readonly Channel<string?> _dead = Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private Task _reader = Task.CompletedTask;
    private Task _worker = Task.CompletedTask;
    private int _disposed;
    private long _processed;

    private HealthMonitor(
        INatsConnection connection, bool ownsConnection, INatsConnection sysConnection, bool ownsSysConnection,
        MeshRegistry registry, INatsKVStore instances, INatsSub<byte[]> subscription, ILogger logger, int deregisterRounds)
    {
        _connection = connection;
        _ownsConnection = ownsConnection;
        _sysConnection = sysConnection;
        _ownsSysConnection = ownsSysConnection;
        _registry = registry;
        _instances = instances;
        _subscription = subscription;
        _logger = logger;
        _deregisterRounds = deregisterRounds;
    }

    /// <summary>
    /// Connects (unless connections are given), opens the mesh buckets and subscribes to disconnect advisories.
    /// When this returns the subscription is registered on the server: any host that dies from now on is handled.
    /// </summary>
    /// <exception cref="ArgumentException">No system-account connection or URL was given.</exception>
    /// <exception cref="InvalidOperationException">A connection could not be opened, or the SYS connection is not a system-account user.</exception>
    /// <exception cref="NATS.Client.JetStream.NatsJSException">JetStream is not enabled for the mesh account.</exception>
    public static async Task<HealthMonitor> StartAsync(HealthMonitorOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;

        INatsConnection? connection = options.Connection;
        INatsConnection? sysConnection = options.SysConnection;
        var ownsConnection = connection is null;
        var ownsSysConnection = sysConnection is null;
        INatsSub<byte[]>? subscription = null;
        var tls = ownsConnection || ownsSysConnection ? options.Tls ?? MeshTls.Resolve() : null;
        try
        {
            if (connection is null)
            {
                // OAM_NKEY_SEED_FILE and OAM_TOKEN apply to the mesh side too, as for every mesh connection.
                var endpoint = MeshEndpoint.Resolve(options.Url, options.CredsFile) with { Tls = tls };
                connection = await OpenAsync(endpoint, options.ConnectionName, "mesh", options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            }

            if (sysConnection is null)
            {
                sysConnection = await OpenAsync(new MeshEndpoint(options.SysUrl!, options.SysCredsFile) { Tls = tls }, options.ConnectionName + "-sys", "system account", options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            }

            await EnsureSystemAccountAsync(sysConnection, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            var registry = await MeshRegistry.OpenAsync(connection, cancellationToken).ConfigureAwait(false);
            var instances = await MeshStores.GetOrCreateKeyValueAsync(connection.CreateKeyValueStoreContext(), MeshBuckets.Instances, cancellationToken).ConfigureAwait(false);
            subscription = await sysConnection.SubscribeCoreAsync<byte[]>(MeshSubjects.SysDisconnect, cancellationToken: cancellationToken).ConfigureAwait(false);

            // A round trip after SUB: the server has registered the subscription once the PONG is back.
            await sysConnection.PingAsync(cancellationToken).ConfigureAwait(false);

            var monitor = new HealthMonitor(connection, ownsConnection, sysConnection, ownsSysConnection, registry, instances, subscription, logger, options.DeregisterRounds);
            monitor._reader = Task.Run(monitor.ReadAdvisoriesAsync, CancellationToken.None);
            monitor._worker = Task.Run(monitor.HandleDeadHostsAsync, CancellationToken.None);
            LogStarted(logger, MeshSubjects.SysDisconnect);
            return monitor;
        }
        catch
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }

            if (ownsSysConnection && sysConnection is not null)
            {
                await sysConnection.DisposeAsync().ConfigureAwait(false);
            }

            if (ownsConnection && connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Starts a monitor on two open connections (APP account for cleanup, system account for advisories), which it does not dispose.</summary>
    public static Task<HealthMonitor> StartAsync(INatsConnection connection, INatsConnection sysConnection, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(sysConnection);
        return StartAsync(new HealthMonitorOptions { Connection = connection, SysConnection = sysConnection }, logger, cancellationToken);
    }

    /// <summary>
    /// Disconnect advisories handled to the end, in arrival order, whatever the outcome (not a host, graceful exit, cleaned
    /// up, handled by another monitor, malformed, failed). For health checks and tests.
    /// </summary>
    public long AdvisoriesProcessed => Interlocked.Read(ref _processed);

    /// <summary>Stops reading advisories, finishes the host being cleaned up (at most 10 s more) and closes the monitor's own connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or ObjectDisposedException)
        {
        }

        _dead.Writer.TryComplete();

        // A cleanup that already claimed its host (deleted the instance record) is finished: no other monitor would redo it.
        var done = Task.WhenAll(_reader, _worker).ContinueWith(static _ => { }, TaskScheduler.Default);
        if (await Task.WhenAny(done, Task.Delay(CleanupGrace)).ConfigureAwait(false) != done)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await done.ConfigureAwait(false);
        }
        if (_ownsSysConnection)
        {
            await _sysConnection.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        _abort.Dispose();
        LogStopped(_logger);
    }

    private static async Task<INatsConnection> OpenAsync(MeshEndpoint endpoint, string name, string what, TimeSpan timeout, CancellationToken ct)
    {
        // The same URL, credentials and TLS settings as every other mesh connection (a TLS-only server refuses plain ones).
        var connection = new NatsConnection(endpoint.ToNatsOpts(name) with { ConnectTimeout = timeout });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(timeout, ct).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is NatsException or TimeoutException or IOException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"Health monitor cannot connect to the {what} at {Redact(endpoint.Url)} (credentials: {endpoint.CredentialDescription()}): {Redact(e.Message)}", e);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Only system-account users receive <c>$SYS</c> advisories; any other user's subscription is accepted and silent.
    /// Only the system account answers <c>$SYS.REQ.SERVER.PING</c>, so a reply proves the connection is the right one.
    /// </summary>
    private static async Task EnsureSystemAccountAsync(INatsConnection sys, TimeSpan timeout, CancellationToken ct)
    {
        const string hint = "so $SYS.ACCOUNT.*.DISCONNECT advisories would never arrive. Use a user of the server's system_account "
            + "(e.g. nats://oam-sys:<password>@host:port with 'system_account: SYS', as 'oam mesh up' configures it).";
        try
        {
            await sys.RequestAsync<byte[], byte[]>("$SYS.REQ.SERVER.PING", [], replyOpts: new NatsSubOpts { Timeout = timeout }, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (NatsNoRespondersException e)
        {
            throw new InvalidOperationException("The health monitor's SYS connection is not in the system account ($SYS.REQ.SERVER.PING has no responders), " + hint, e);
        }
        catch (NatsNoReplyException e)
        {
            throw new InvalidOperationException($"The health monitor's SYS connection got no reply to $SYS.REQ.SERVER.PING within {timeout.TotalSeconds:0.#} s, " + hint, e);
        }
    }

    private static string Redact(string url) => MeshEndpoint.Redact(url);
}
