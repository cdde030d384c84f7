using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Nats;

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
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RequestSerializer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly NatsRawSerializer<byte[]> ReplySerializer = NatsRawSerializer<byte[]>.Default;

    private readonly bool _ownsConnection;
    private readonly MeshClientOptions _options;
    private readonly CatalogCache _catalog;
    private readonly INatsKVStore _registry;
    private int _disposed;

    private MeshClient(INatsConnection connection, bool ownsConnection, string instanceId, MeshClientOptions options, CatalogCache catalog, INatsKVStore registry)
    {
        Connection = connection;
        _ownsConnection = ownsConnection;
        InstanceId = instanceId;
        _options = options;
        _catalog = catalog;
        _registry = registry;
        Kv = new MeshKeyValue(this);
        Workspace = new MeshWorkspace(this);
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
    /// Connects to the mesh. The URL is resolved like the reference: <paramref name="url"/>, else <c>OAM_URL</c>, else a
    /// <c>.oam-url</c> file found walking up from the working directory, else <c>nats://localhost:4222</c>.
    /// </summary>
    /// <exception cref="ConnectionFailedException">The server cannot be reached.</exception>
    public static async ValueTask<MeshClient> ConnectAsync(string? url = null, MeshClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= MeshClientOptions.Default;
        var endpoint = MeshEndpoint.Resolve(url, options.CredsFile) with { Tls = options.Tls ?? MeshTls.Resolve() };
        var instanceId = options.InstanceId ?? MeshIds.New();
        var opts = MeshConnections.Options(endpoint, instanceId) with { ConnectTimeout = options.ConnectTimeout };
        var connection = new NatsConnection(options.ConnectionName is { } name ? opts with { Name = name } : opts);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken);
            return await StartAsync(connection, ownsConnection: true, instanceId, options, cancellationToken);
        }
        catch (Exception e) when (e is NatsException or TimeoutException or IOException)
        {
            await connection.DisposeAsync();
            throw new ConnectionFailedException($"Cannot connect to the mesh at {endpoint.Url}: {e.Message}", innerException: e);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Creates a client on an existing connection (e.g. a silo's), which the client does not dispose. The instance id is
    /// <see cref="MeshClientOptions.InstanceId"/>, else taken from a connection named <c>oam-host-{id}</c>, else new.
    /// </summary>
    public static ValueTask<MeshClient> CreateAsync(INatsConnection connection, MeshClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= MeshClientOptions.Default;
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
            await MeshStores.EnsureAllAsync(connection, ct);
        }

        var kv = connection.CreateKeyValueStoreContext();
        var catalogStore = await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Catalog, ct);
        var registry = await MeshStores.GetOrCreateKeyValueAsync(kv, MeshBuckets.Registry, ct);
        var catalog = await CatalogCache.StartAsync(catalogStore, ct);
        return new MeshClient(connection, ownsConnection, instanceId, options, catalog, registry);
    }

    /// <summary>
    /// Calls <paramref name="agent"/> with <paramref name="payload"/> serialized as JSON (null sends an empty body;
    /// <c>byte[]</c> and <c>ReadOnlyMemory&lt;byte&gt;</c> are sent unchanged) and deserializes the reply
    /// (an empty reply reads as <c>{}</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The agent name breaks the naming rule.</exception>
    /// <exception cref="MeshException">The agent answered with an error, or the call failed (a subclass per code).</exception>
    public async ValueTask<TOut> CallAsync<TOut>(string agent, object? payload = null, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var json = JsonOptionsFor(options);
        var body = SerializePayload(payload, json);
        var reply = await CallRawAsync(agent, body, options, cancellationToken);
        return reply.Deserialize<TOut>(json)!;
    }

    /// <summary>
    /// Calls <paramref name="agent"/> with a raw body and returns the raw successful reply (body and headers).
    /// Request headers: <c>X-Mesh-Request-Id</c> (fresh), <c>X-Mesh-Instance-Id</c>, and
    /// <c>X-Mesh-Conversation-Id</c> when <see cref="CallOptions.ConversationId"/> is set.
    /// </summary>
    /// <exception cref="ArgumentException">The agent name breaks the naming rule.</exception>
    /// <exception cref="MeshException">
    /// <see cref="InvocationMismatchException"/> before sending when the catalog says the agent is a publisher, a background
    /// task or streaming-only; an error reply (typed by code, <see cref="MeshException.RequestId"/> = this call's id); <see cref="NotFoundException"/> or
    /// <see cref="NotAvailableException"/> when nobody serves the subject; <see cref="MeshTimeoutException"/>;
    /// <see cref="AgentDiedException"/> when a death notice for the agent arrives first; <see cref="ConnectionFailedException"/>.
    /// </exception>
    public async ValueTask<MeshReply> CallRawAsync(string agent, ReadOnlyMemory<byte> body, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        PreflightCall(agent);
        var requestId = MeshIds.New();
        var subject = MeshSubjects.Agent(agent);
        var timeout = options?.Timeout ?? _options.CallTimeout;
        var headers = BuildHeaders(requestId, options);
        if (Connection.ConnectionState == NatsConnectionState.Reconnecting)
        {
            // The reference never reconnects: a request now would only wait out its deadline.
            throw new ConnectionFailedException($"Not connected to the mesh (connection lost, reconnecting to {Connection.Opts.Url})", agent, requestId);
        }

        NatsMsg<byte[]> msg;
        INatsSub<byte[]>? death = null;
        try
        {
            if (_options.DeathFastFail)
            {
                death = await Connection.SubscribeCoreAsync(MeshSubjects.Death(agent), serializer: ReplySerializer, cancellationToken: cancellationToken);
            }

            msg = await RequestAsync(agent, subject, body, headers, timeout, requestId, death, cancellationToken);
        }
        catch (NatsNoRespondersException)
        {
            throw _catalog.Contains(agent)
                ? new NotAvailableException($"Agent '{agent}' is in the catalog but nobody serves it right now", agent, requestId)
                : new NotFoundException($"Agent '{agent}' not found", agent, requestId);
        }
        catch (NatsNoReplyException)
        {
            throw new MeshTimeoutException(subject, timeout, agent, requestId);
        }
        catch (Exception e) when (e is NatsConnectionFailedException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            throw new ConnectionFailedException($"Not connected to the mesh: {e.Message}", agent, requestId, innerException: e);
        }
        finally
        {
            if (death is not null)
            {
                await death.DisposeAsync();
            }
        }

        var replyHeaders = msg.Headers ?? [];
        var replyBody = msg.Data ?? [];
        if (replyHeaders.TryGetValue(MeshHeaders.Status, out var status) && status.ToString() == MeshHeaders.StatusError)
        {
            var envelope = ErrorEnvelope.Parse(replyBody);
            throw MeshException.FromEnvelope(envelope with
            {
                Agent = envelope.Agent.Length == 0 ? agent : envelope.Agent,
                RequestId = requestId,
            });
        }

        return new MeshReply(requestId, replyBody, replyHeaders);
    }

    /// <summary>
    /// The catalog from the local cache (kept current by a KV watch), filtered by channel, tags (all required),
    /// streaming and invocable flags, in catalog order.
    /// </summary>
    public ValueTask<IReadOnlyList<CatalogEntry>> CatalogAsync(CatalogFilter? filter = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IEnumerable<CatalogEntry> entries = _catalog.Entries;
        if (filter is not null)
        {
            if (filter.Channel is { Length: > 0 } channel)
            {
                entries = entries.Where(e => AgentName.IsInChannel(e.Name, channel));
            }

            if (filter.Tags is { Count: > 0 } tags)
            {
                entries = entries.Where(e => tags.All(t => e.Tags.Contains(t)));
            }

            if (filter.Streaming is { } streaming)
            {
                entries = entries.Where(e => e.Streaming == streaming);
            }

            if (filter.Invocable is { } invocable)
            {
                entries = entries.Where(e => e.Invocable == invocable);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<CatalogEntry>>(entries.ToArray());
    }

    /// <summary>Reads the contract of <paramref name="name"/> from <c>mesh-registry</c>.</summary>
    /// <exception cref="NotFoundException">No registry key for the agent.</exception>
    /// <exception cref="MeshException">The stored document is not a contract (code <c>mesh_error</c>).</exception>
    public async ValueTask<AgentContract> ContractAsync(string name, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(name, nameof(name));
        byte[]? value;
        try
        {
            var entry = await _registry.GetEntryAsync(name, serializer: ReplySerializer, cancellationToken: cancellationToken);
            value = entry.Value;
        }
        catch (Exception e) when (NatsKVReads.IsMissingKey(e))
        {
            value = null;
        }

        if (value is null || value.Length == 0)
        {
            throw new NotFoundException($"Agent '{name}' not found in the registry", name);
        }

        try
        {
            return AgentContract.Parse(value);
        }
        catch (FormatException e)
        {
            throw new MeshException(MeshErrorCodes.MeshError, $"The registry entry of '{name}' is not a contract: {e.Message}", name, innerException: e);
        }
    }

    /// <summary>The contracts of the catalog entries in <paramref name="channel"/> (all when null); unreadable ones are skipped.</summary>
    public async ValueTask<IReadOnlyList<AgentContract>> DiscoverAsync(string? channel = null, CancellationToken cancellationToken = default)
    {
        var entries = await CatalogAsync(new CatalogFilter { Channel = channel }, cancellationToken);
        var contracts = new List<AgentContract>(entries.Count);
        foreach (var entry in entries)
        {
            try
            {
                contracts.Add(await ContractAsync(entry.Name, cancellationToken));
            }
            catch (MeshException)
            {
            }
            catch (ArgumentException)
            {
                // A catalog entry with an invalid name (written by some other tool): not discoverable.
            }
        }

        return contracts;
    }

    /// <summary>Ends pending managed sends, stops the catalog watch and, when the client opened it, closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // End pending managed sends silently, then the catalog watch.
        await _lifetime.CancelAsync();
        Task[] pending;
        lock (_pendingSends)
        {
            pending = [.. _pendingSends];
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
        }

        await _catalog.DisposeAsync();
        _lifetime.Dispose();
        if (_ownsConnection)
        {
            await Connection.DisposeAsync();
        }
    }

    /// <summary>
    /// The reference's client-side pre-flight check (§7.4) from the catalog cache: calling a publisher, a background task
    /// or a streaming-only agent fails with <c>invocation_mismatch</c> before anything goes on the wire. Unknown agents pass.
    /// </summary>
    private void PreflightCall(string agent)
    {
        CatalogEntry? entry = null;
        foreach (var e in _catalog.Entries)
        {
            if (e.Name == agent)
            {
                entry = e;
            }
        }

        var suffix = entry switch
        {
            { Invocable: false, Streaming: true } => "is a publisher and cannot be called. Subscribe to its events instead",
            { Invocable: false, Streaming: false } => "is a background task and cannot be called",
            { Invocable: true, Streaming: true } => "is streaming-only. Use stream() instead",
            _ => null,
        };
        if (suffix is not null)
        {
            throw new InvocationMismatchException($"Agent '{agent}' {suffix}", agent);
        }
    }

    private NatsHeaders BuildHeaders(string requestId, CallOptions? options) => BuildHeaders(requestId, options?.ConversationId, options?.Headers);

    /// <summary>
    /// Request headers: <c>X-Mesh-Request-Id</c>, <c>X-Mesh-Instance-Id</c>, optional <c>X-Mesh-Conversation-Id</c>, then the
    /// caller's extra headers (they win, except over the request id, which is always this request's own).
    /// </summary>
    private NatsHeaders BuildHeaders(string requestId, string? conversationId, IReadOnlyDictionary<string, string>? extra)
    {
        var headers = new NatsHeaders
        {
            [MeshHeaders.RequestId] = requestId,
            [MeshHeaders.InstanceId] = InstanceId,
        };
        if (conversationId is { Length: > 0 } conversation)
        {
            headers[MeshHeaders.ConversationId] = conversation;
        }

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (!string.Equals(key, MeshHeaders.RequestId, StringComparison.OrdinalIgnoreCase))
                {
                    headers[key] = value;
                }
            }
        }

        return headers;
    }

    private async ValueTask<NatsMsg<byte[]>> RequestAsync(
        string agent, string subject, ReadOnlyMemory<byte> body, NatsHeaders headers, TimeSpan timeout, string requestId, INatsSub<byte[]>? death, CancellationToken ct)
    {
        var replyOpts = new NatsSubOpts { Timeout = timeout, ThrowIfNoResponders = true };
        if (death is null)
        {
            return await Connection.RequestAsync(subject, body, headers, RequestSerializer, ReplySerializer, replyOpts: replyOpts, cancellationToken: ct);
        }

        using var race = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var request = Connection.RequestAsync(subject, body, headers, RequestSerializer, ReplySerializer, replyOpts: replyOpts, cancellationToken: race.Token).AsTask();
        var notice = death.Msgs.ReadAsync(race.Token).AsTask();
        var first = await Task.WhenAny(request, notice);
        if (first == notice && notice.IsCompletedSuccessfully)
        {
            await race.CancelAsync();
            _ = request.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw Died(agent, requestId, notice.Result.Data, "the call");
        }

        try
        {
            // The reply came first (or the death subscription closed): the request decides.
            return await request;
        }
        finally
        {
            await race.CancelAsync();
            _ = notice.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>The reference's payload rule: null is an empty body, bytes go unchanged, anything else is JSON.</summary>
    internal static ReadOnlyMemory<byte> SerializePayload(object? payload, JsonSerializerOptions json) => payload switch
    {
        null => ReadOnlyMemory<byte>.Empty,
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> memory => memory,
        _ => JsonSerializer.SerializeToUtf8Bytes(payload, payload.GetType(), json),
    };

    /// <summary>The <c>agent_died</c> error for a death notice body; details = the notice JSON as received.</summary>
    internal static AgentDiedException Died(string agent, string requestId, byte[]? data, string during)
    {
        data ??= [];
        var parsed = DeathNotice.Parse(data);
        JsonElement details;
        try
        {
            details = JsonDocument.Parse(data).RootElement.Clone();
        }
        catch (JsonException)
        {
            details = parsed.ToJsonElement();
        }

        var reason = parsed.Reason.Length == 0 ? "unknown" : parsed.Reason;
        return new AgentDiedException($"Agent '{agent}' died during {during} ({reason})", agent, requestId, details);
    }

    private JsonSerializerOptions JsonOptionsFor(CallOptions? options) => options?.JsonOptions ?? _options.JsonOptions ?? MeshJson.Options;
}
