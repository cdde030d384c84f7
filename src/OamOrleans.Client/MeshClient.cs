using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// The .NET OpenAgentMesh client: calls agents of any implementation by name and reads the catalog and contracts.
/// It speaks the reference wire protocol over NATS (no Orleans dependency).
/// </summary>
/// <remarks>
/// On connect it gets-or-creates the mesh buckets, seeds a catalog cache from <c>mesh-catalog/catalog</c> and keeps it
/// current with a KV watch. Its NATS connection is named <c>oam-host-{InstanceId}</c> and every request carries
/// <c>X-Mesh-Instance-Id</c>. Thread-safe; create one per process and share it.
/// </remarks>
public sealed partial class MeshClient : IAsyncDisposable
{
    internal static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RequestSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly NatsRawSerializer<byte[]> ReplySerializer = NatsRawSerializer<byte[]>.Default;
    private static readonly TimeSpan PendingSendsGrace = TimeSpan.FromSeconds(5);

    private readonly bool _ownsConnection;
    private readonly MeshClientOptions _options;
    private readonly CatalogCache _catalog;
    private readonly LazyStore<INatsKVStore> _registry;
    private readonly ILogger _logger;
    private readonly PermissionWatch _permissions;
    private readonly CallReplies _replies;
    private readonly DeathWatches _deaths;
    private readonly Polly.ResiliencePipeline? _retryPipeline;
    private readonly Deferred? _deferred;
    private int _disposed;

    private MeshClient(INatsConnection connection, bool ownsConnection, string instanceId, MeshClientOptions options, CatalogCache catalog, LazyStore<INatsKVStore> registry, Deferred? deferred = null)
    {
        _deferred = deferred;
        Connection = connection;
        _ownsConnection = ownsConnection;
        InstanceId = instanceId;
        _options = options;
        _catalog = catalog;
        _registry = registry;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MeshClient>();
        Kv = new MeshKeyValue(this);
        Workspace = new MeshWorkspace(this);
        _permissions = new PermissionWatch(connection);
        _replies = new CallReplies(connection);
        _deaths = new DeathWatches(connection);
        _retryPipeline = options.Retry.Enabled ? CallAttempts.Pipeline(options.Retry) : null; // retries off: no pipeline at all
    }

    /// <summary>This client's instance id: uuid hex, stamped as <c>X-Mesh-Instance-Id</c> on every request.</summary>
    public string InstanceId { get; }

    /// <summary>The NATS connection the client uses (owned by the client only when it came from <see cref="ConnectAsync"/>).</summary>
    public INatsConnection Connection { get; }

    /// <summary>The shared context KV (bucket <c>mesh-context</c>): put/get/delete, watch, CAS, update, create, list.</summary>
    public MeshKeyValue Kv { get; }

    /// <summary>The workspace (object store <c>mesh-artifacts</c>): put/get/delete of bytes, strings and streams.</summary>
    public MeshWorkspace Workspace { get; }

    /// <summary>The options the client was created with.</summary>
    public MeshClientOptions Options => _options;

    /// <summary>
    /// Connects to the mesh at <see cref="MeshClientOptions.Endpoint"/>, with <paramref name="url"/> (when given) in place of
    /// its URL. Without an endpoint it is resolved like the reference (<see cref="MeshEndpoint.Resolve"/>): the URL from
    /// <paramref name="url"/>, <c>OAM_URL</c>, a <c>.oam-url</c> file found walking up from the working directory, else
    /// <c>nats://localhost:4222</c>; credentials and TLS files from <c>OAM_CREDS</c>, <c>OAM_TLS_*</c>, … or that file.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names the setting).</exception>
    /// <exception cref="ConnectionFailedException">The server cannot be reached.</exception>
    public static async ValueTask<MeshClient> ConnectAsync(string? url = null, MeshClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        // A copy: the options are settable (for DI binding), the client keeps what it was given.
        options = (options ?? MeshClientOptions.Default) with { };
        MeshClientOptionsValidator.ThrowIfInvalid(options);
        var (endpoint, instanceId, connection) = NewConnection(url, options);
        try
        {
            await MeshConnections.OpenAsync(connection, endpoint, cancellationToken).ConfigureAwait(false);
            return await StartAsync(connection, ownsConnection: true, instanceId, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (MeshConnections.Failure(endpoint, e) is { } failure)
        {
            // A server that answers but cannot hold the mesh's buckets (no JetStream, say) fails the connect the same way.
            await connection.DisposeAsync().ConfigureAwait(false);
            throw failure;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A client whose connection opens on first use instead of now, for <c>AddMeshClient</c>: nothing blocks while the mesh
    /// is down. An operation while the connection is not open connects first (see <see cref="ConnectedAsync"/>) and fails
    /// as <see cref="ConnectAsync"/> does; the catalog cache and the buckets follow in the background once the server
    /// answers. <paramref name="options"/> are validated by the caller.
    /// </summary>
    internal static MeshClient CreateDeferred(MeshClientOptions options)
    {
        options = options with { };
        var (endpoint, instanceId, connection) = NewConnection(null, options);
        var kv = connection.CreateKeyValueStoreContext();
        var catalog = CatalogCache.StartInBackground(connection, async ct =>
        {
            if (options.EnsureBuckets)
            {
                await MeshStores.EnsureAllAsync(connection, options.Replicas, ct).ConfigureAwait(false);
            }

            return await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Catalog, ct).ConfigureAwait(false);
        });
        MeshClient? client = null;
        var registry = new LazyStore<INatsKVStore>(async ct =>
        {
            await client!.ConnectedAsync(ct).ConfigureAwait(false);
            return await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Registry, ct).ConfigureAwait(false);
        });
        client = new MeshClient(connection, ownsConnection: true, instanceId, options, catalog, registry, new Deferred(endpoint, connection));
        return client;
    }

    /// <summary>
    /// Before an operation of a client from <see cref="CreateDeferred"/>: opens the connection when it is not open (first
    /// use, or the server could not be reached last time), failing like <see cref="ConnectAsync"/> with
    /// <see cref="ConnectionFailedException"/> or <see cref="ConnectionDeniedException"/>, then waits for the catalog's
    /// first read (at most <see cref="MeshClientOptions.ConnectTimeout"/>). A connected or eager client returns at once.
    /// </summary>
    internal ValueTask ConnectedAsync(CancellationToken ct) =>
        _deferred is null || (Connection.ConnectionState == NatsConnectionState.Open && _catalog.IsSeeded) ? ValueTask.CompletedTask : ConnectDeferredAsync(_deferred, ct);

    private async ValueTask ConnectDeferredAsync(Deferred deferred, CancellationToken ct)
    {
        // Reconnecting is NATS.Net's own business (calls then fail fast, see ThrowIfReconnecting): only a connection that
        // never opened, or whose first opening failed, is opened here.
        if (deferred.Connection.ConnectionState is NatsConnectionState.Closed or NatsConnectionState.Connecting)
        {
            await MeshConnections.OpenAsync(deferred.Connection, deferred.Endpoint, ct).ConfigureAwait(false);
        }

        await _catalog.WaitSeededAsync(_options.ConnectTimeout, ct).ConfigureAwait(false);
    }

    /// <summary>What a lazily connecting client needs to open its connection and to name it in errors.</summary>
    private sealed record Deferred(MeshEndpoint Endpoint, NatsConnection Connection);

    /// <summary>A store opened on first use, once the client is connected (<see cref="ConnectedAsync"/>).</summary>
    internal LazyStore<T> StoreOnFirstUse<T>(Func<INatsConnection, CancellationToken, ValueTask<T>> open)
        where T : class =>
        new(async ct =>
        {
            await ConnectedAsync(ct).ConfigureAwait(false);
            return await open(Connection, ct).ConfigureAwait(false);
        });

    /// <summary>The endpoint <paramref name="url"/> and <paramref name="options"/> resolve to, and a connection to it not yet opened.</summary>
    private static (MeshEndpoint Endpoint, string InstanceId, NatsConnection Connection) NewConnection(string? url, MeshClientOptions options)
    {
        var endpoint = (url, options.Endpoint) switch
        {
            (null, { } given) => given,
            ({ } other, { } given) => given with { Url = other },
            _ => MeshEndpoint.Resolve(url),
        };
        var instanceId = options.InstanceId ?? MeshIds.New();
        var opts = MeshConnections.Options(endpoint, instanceId) with { ConnectTimeout = options.ConnectTimeout };
        if (options.LoggerFactory is { } loggerFactory)
        {
            opts = opts with { LoggerFactory = loggerFactory };
        }

        return (endpoint, instanceId, new NatsConnection(options.ConnectionName is { } name ? opts with { Name = name } : opts));
    }

    /// <summary>
    /// Creates a client on an existing connection (e.g. a silo's), which the client does not dispose. The instance id is
    /// <see cref="MeshClientOptions.InstanceId"/>, else taken from a connection named <c>oam-host-{id}</c>, else new.
    /// </summary>
    public static ValueTask<MeshClient> CreateAsync(INatsConnection connection, MeshClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options = (options ?? MeshClientOptions.Default) with { };
        const string prefix = "oam-host-";
        var name = connection.Opts.Name;
        var instanceId = options.InstanceId
            ?? (name is not null && name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length ? name[prefix.Length..] : MeshIds.New());
        return StartAsync(connection, ownsConnection: false, instanceId, options, cancellationToken);
    }

    private static async ValueTask<MeshClient> StartAsync(INatsConnection connection, bool ownsConnection, string instanceId, MeshClientOptions options, CancellationToken ct)
    {
        if (options.EnsureBuckets)
        {
            await MeshStores.EnsureAllAsync(connection, options.Replicas, ct).ConfigureAwait(false);
        }

        var kv = connection.CreateKeyValueStoreContext();
        var catalogStore = await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Catalog, ct).ConfigureAwait(false);
        var registry = await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Registry, ct).ConfigureAwait(false);
        var catalog = await CatalogCache.StartAsync(catalogStore, ct).ConfigureAwait(false);
        return new MeshClient(connection, ownsConnection, instanceId, options, catalog, new LazyStore<INatsKVStore>(_ => ValueTask.FromResult(registry)));
    }

    /// <summary>Ends pending managed sends, stops the catalog watch and, when the client opened it, closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // End pending managed sends silently (their callbacks get nothing), then the catalog watch.
        await _lifetime.CancelAsync().ConfigureAwait(false);
        Task[] pending;
        lock (_pendingSends)
        {
            pending = [.. _pendingSends];
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(PendingSendsGrace).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogPendingSendsNotEnded(_logger, pending.Length, e);
        }

        await _catalog.DisposeAsync().ConfigureAwait(false);
        await _replies.DisposeAsync().ConfigureAwait(false);
        _permissions.Dispose();
        _lifetime.Dispose();
        if (_ownsConnection)
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disposing the mesh client: {Count} pending send(s) did not end cleanly")]
    private static partial void LogPendingSendsNotEnded(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A send callback for {Agent} (request {RequestId}) threw; the send ends here")]
    private static partial void LogSendCallbackFailed(ILogger logger, string agent, string requestId, Exception exception);
}
