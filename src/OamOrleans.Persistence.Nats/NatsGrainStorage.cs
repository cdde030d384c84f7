using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using OamOrleans.Nats;

namespace OamOrleans.Persistence.Nats;

/// <summary>Grain storage on one JetStream KV bucket; see <see cref="NatsGrainStorageOptions"/> for the data model.</summary>
internal sealed partial class NatsGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    /// <summary>
    /// Room left for the message headers a KV write carries (<c>Nats-Expected-Last-Subject-Sequence: n</c> is about 70 bytes):
    /// the server counts headers and payload against <c>max_payload</c>.
    /// </summary>
    internal const int HeaderAllowance = 128;

    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> RawMemory = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly string _name;
    private readonly NatsGrainStorageOptions _options;
    private readonly OamOrleans.Client.MeshEndpoint _endpoint;
    private readonly string _serviceId;
    private readonly IGrainStorageSerializer _serializer;
    private readonly StatePayloads? _payloads;
    private readonly IActivatorProvider _activatorProvider;
    private readonly ILogger<NatsGrainStorage> _logger;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private NatsConnection? _connection;
    private INatsKVStore? _store;

    public NatsGrainStorage(
        string name,
        NatsGrainStorageOptions options,
        IOptions<ClusterOptions> clusterOptions,
        IActivatorProvider activatorProvider,
        ILogger<NatsGrainStorage> logger)
    {
        _name = name;
        _options = options;
        _endpoint = options.Endpoint ?? OamOrleans.Client.MeshEndpoint.Resolve();
        _serviceId = clusterOptions.Value.ServiceId;
        var json = new JsonGrainStateSerializer(options.JsonSerializerOptions);
        _serializer = options.GrainStorageSerializer ?? json;
        _payloads = options.GrainStorageSerializer is null ? new StatePayloads(json.Options) : null;
        _activatorProvider = activatorProvider;
        _logger = logger;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(OptionFormattingUtilities.Name<NatsGrainStorage>(_name), _options.InitStage, InitAsync, CloseAsync);

    public async Task InitAsync(CancellationToken cancellationToken)
    {
        await _initLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_store is not null)
            {
                return;
            }

            var connection = new NatsConnection(_endpoint.ToNatsOpts(_options.ConnectionName ?? $"orleans-grain-storage-{_name}"));
            try
            {
                await connection.ConnectAsync().ConfigureAwait(false);
                var kv = connection.CreateKeyValueStoreContext();
                _store = await GetOrCreateBucketAsync(kv, cancellationToken).ConfigureAwait(false);
                _connection = connection;
                LogInitialized(_logger, _name, _options.BucketName, NatsUrlRedaction.Redact(_endpoint.Url), connection.ServerInfo?.Version ?? "?", connection.ServerInfo?.MaxPayload ?? 0);
            }
            catch (Exception ex)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new NatsGrainStorageException(
                    $"NATS grain storage '{_name}' could not open KV bucket '{_options.BucketName}' on {NatsUrlRedaction.Redact(_endpoint.Url)}: {NatsUrlRedaction.Redact(ex.Message)} "
                    + "(the server must run with JetStream enabled: nats-server -js).",
                    ex);
            }
        }
        finally
        {
            _initLock.Release();
        }
    }

    private async ValueTask<INatsKVStore> GetOrCreateBucketAsync(INatsKVContext kv, CancellationToken cancellationToken)
    {
        if (await kv.TryGetStoreAsync(_options.BucketName, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            var bucket = _options.BucketName;
            var shortfall = await StreamReplicas.CheckAsync(kv.JetStreamContext, bucket, StreamReplicas.KeyValueStream(bucket), _options.Replicas, _options.ReconcileReplicas, cancellationToken).ConfigureAwait(false);
            if (shortfall is not null)
            {
                LogReplicas(_logger, _name, bucket, shortfall.Has, shortfall.Wants, shortfall.Outcome);
            }

            return existing;
        }

        return await kv.CreateOrOpenStoreAsync(
            new NatsKVConfig(_options.BucketName)
            {
                Description = "Orleans grain state (OamOrleans.Persistence.Nats)",
                History = 1,
                NumberOfReplicas = _options.Replicas,
                Storage = _options.StorageType,
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task CloseAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        var connection = Interlocked.Exchange(ref _connection, null);
        _store = null;
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = GetStore();
        var key = NatsGrainStorageKeys.GetKey(_serviceId, grainId, stateName);
        NatsKVEntry<byte[]> entry;
        try
        {
            // Missing on either kind of bucket (see NatsKVReads): no record yet.
            if ((await store.ReadKeyAsync(key, Raw).ConfigureAwait(false)).Entry is not { } found)
            {
                grainState.State = CreateInstance<T>();
                grainState.ETag = null;
                grainState.RecordExists = false;
                return;
            }

            entry = found;
        }
        catch (NatsException e)
        {
            throw new NatsGrainStorageException(
                $"Reading state '{stateName}' of grain {grainId} from NATS KV bucket '{store.Bucket}' key '{key}' failed: {e.Message}", e);
        }

        var bytes = entry.Value ?? [];
        try
        {
            grainState.State = bytes.Length == 0 ? CreateInstance<T>() : _serializer.Deserialize<T>(new BinaryData(bytes));
        }
        catch (Exception ex)
        {
            throw new NatsGrainStorageException(
                $"State '{stateName}' of grain {grainId} in NATS KV bucket '{store.Bucket}' key '{key}' (revision {entry.Revision}, "
                + $"{bytes.Length} bytes) cannot be deserialized as {typeof(T)}: {ex.Message}",
                ex);
        }

        grainState.ETag = FormatETag(entry.Revision);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = GetStore();
        var key = NatsGrainStorageKeys.GetKey(_serviceId, grainId, stateName);
        var pooled = _payloads?.Serialize(grainState.State);
        NatsResult<ulong> result;
        try
        {
            var payload = pooled?.Bytes ?? _serializer.Serialize(grainState.State).ToMemory();
            CheckPayloadSize(stateName, grainId, payload.Length);
            result = grainState.ETag is null
                ? await store.TryCreateAsync(key, payload, RawMemory).ConfigureAwait(false) // no record as far as this activation knows: only if the key is absent (or deleted)
                : await store.TryUpdateAsync(key, payload, ParseETag(grainState.ETag, stateName, grainId), RawMemory).ConfigureAwait(false);
        }
        finally
        {
            if (pooled is not null)
            {
                _payloads!.Return(pooled);
            }
        }

        if (!result.Success)
        {
            if (result.Error is NatsKVCreateException or NatsKVWrongLastRevisionException)
            {
                LogConflict(_logger, "write", stateName, grainId, grainState.ETag ?? "(none)");
                throw new InconsistentStateException(
                    $"Version conflict writing state '{stateName}' of grain {grainId} (provider '{_name}', bucket '{store.Bucket}', key '{key}'): "
                    + $"the stored revision is not the expected ETag '{grainState.ETag ?? "(no record)"}'; another activation wrote it.",
                    storedEtag: "unknown",
                    currentEtag: grainState.ETag ?? "(no record)",
                    result.Error);
            }

            throw new NatsGrainStorageException(
                $"Writing state '{stateName}' of grain {grainId} to NATS KV bucket '{store.Bucket}' key '{key}' failed: {result.Error.Message}",
                result.Error);
        }

        grainState.ETag = FormatETag(result.Value);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = GetStore();
        var key = NatsGrainStorageKeys.GetKey(_serviceId, grainId, stateName);
        if (grainState.ETag is null)
        {
            // Nothing to delete as far as this activation knows; fail if someone else has written a record meanwhile.
            NatsKVRead<byte[]> existing;
            try
            {
                existing = await store.ReadKeyAsync(key, Raw).ConfigureAwait(false);
            }
            catch (NatsException e)
            {
                throw new NatsGrainStorageException(
                    $"Clearing state '{stateName}' of grain {grainId} in NATS KV key '{key}' failed: {e.Message}", e);
            }

            if (existing.Entry is { } other)
            {
                LogConflict(_logger, "clear", stateName, grainId, "(none)");
                throw new InconsistentStateException(
                    $"Version conflict clearing state '{stateName}' of grain {grainId} (provider '{_name}', key '{key}'): "
                    + $"a record with revision {other.Revision} exists but this activation has none.",
                    FormatETag(other.Revision),
                    "(no record)");
            }

        }
        else
        {
            // A delete marker (tombstone) written only if the key is still at our revision.
            var result = await store.TryDeleteAsync(key, new NatsKVDeleteOpts { Revision = ParseETag(grainState.ETag, stateName, grainId) }).ConfigureAwait(false);
            if (!result.Success)
            {
                if (result.Error is NatsKVWrongLastRevisionException)
                {
                    LogConflict(_logger, "clear", stateName, grainId, grainState.ETag);
                    throw new InconsistentStateException(
                        $"Version conflict clearing state '{stateName}' of grain {grainId} (provider '{_name}', key '{key}'): "
                        + $"the stored revision is not the expected ETag '{grainState.ETag}'.",
                        "unknown",
                        grainState.ETag,
                        result.Error);
                }

                throw new NatsGrainStorageException(
                    $"Clearing state '{stateName}' of grain {grainId} in NATS KV key '{key}' failed: {result.Error.Message}", result.Error);
            }
        }

        grainState.State = CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private void CheckPayloadSize(string stateName, GrainId grainId, int size)
    {
        var maxPayload = _connection?.ServerInfo?.MaxPayload ?? 0;
        if (maxPayload > 0 && size > maxPayload - HeaderAllowance)
        {
            throw new NatsGrainStorageException(
                $"State '{stateName}' of grain {grainId} is {size} bytes once serialized, but the NATS server accepts at most "
                + $"{maxPayload} bytes per message (max_payload, of which {HeaderAllowance} are kept for headers). "
                + "Make the state smaller, or raise max_payload in the nats-server configuration (at most 64 MB; 8 MB recommended).");
        }
    }

    private INatsKVStore GetStore() =>
        _store ?? throw new InvalidOperationException($"NATS grain storage '{_name}' is not initialized (the silo has not started, or has stopped).");

    private T CreateInstance<T>() => _activatorProvider.GetActivator<T>().Create();

    private static string FormatETag(ulong revision) => revision.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static ulong ParseETag(string etag, string stateName, GrainId grainId) =>
        ulong.TryParse(etag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var revision)
            ? revision
            : throw new InconsistentStateException(
                $"ETag '{etag}' of state '{stateName}' of grain {grainId} is not a NATS KV revision (was the state read by another provider?).",
                "unknown",
                etag);

    [LoggerMessage(1, LogLevel.Information, "NATS grain storage {Name} ready: bucket {Bucket} on {Url} (server {ServerVersion}, max_payload {MaxPayload} bytes)")]
    private static partial void LogInitialized(ILogger logger, string name, string bucket, string url, string serverVersion, long maxPayload);

    [LoggerMessage(3, LogLevel.Warning, "NATS grain storage {Name}: bucket {Bucket} has {Has} replica(s), {Wants} configured: {Action}")]
    private static partial void LogReplicas(ILogger logger, string name, string bucket, int has, int wants, string action);

    [LoggerMessage(2, LogLevel.Warning, "NATS grain storage version conflict on {Operation} of state {StateName} of grain {GrainId} with ETag {ETag}")]
    private static partial void LogConflict(ILogger logger, string operation, string stateName, GrainId grainId, string etag);
}
