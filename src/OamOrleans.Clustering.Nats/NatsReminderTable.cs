using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Nats;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace OamOrleans.Clustering.Nats;

/// <summary>
/// Orleans reminder table on NATS JetStream KV: one key per reminder (see <see cref="NatsReminderTableOptions"/>), its KV
/// revision as the etag. An upsert is a plain put (Orleans' last-writer-wins registration); a removal is a
/// compare-and-swap delete on the revision the caller read, so it fails once anyone re-registered the reminder.
/// </summary>
internal sealed partial class NatsReminderTable : IReminderTable, IAsyncDisposable
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;

    /// <summary>How long a start waits for a replicated bucket's leader election (JetStream takes a few seconds).</summary>
    private static readonly TimeSpan ElectionGrace = TimeSpan.FromSeconds(30);

    private readonly NatsReminderTableOptions _options;
    private readonly OamOrleans.Client.MeshEndpoint _endpoint;
    private readonly string _serviceId;
    private readonly string _servicePrefix;
    private readonly ILogger<NatsReminderTable> _logger;
    private NatsConnection? _connection;
    private INatsKVStore? _store;

    public NatsReminderTable(IOptions<NatsReminderTableOptions> options, IOptions<ClusterOptions> clusterOptions, ILogger<NatsReminderTable> logger)
    {
        _options = options.Value;
        _endpoint = _options.Endpoint ?? OamOrleans.Client.MeshEndpoint.Resolve();
        _serviceId = clusterOptions.Value.ServiceId;
        _servicePrefix = ReminderDocument.ServicePrefix(_serviceId);
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            _connection = new NatsConnection(_endpoint.ToNatsOpts(_options.ConnectionName ?? NatsReminderTableOptions.DefaultBucketName));
            await _connection.ConnectAsync().ConfigureAwait(false);
            var kv = _connection.CreateKeyValueStoreContext();
            var existing = await kv.TryGetStoreAsync(_options.BucketName, cancellationToken).ConfigureAwait(false);
            if (existing is not null
                && await StreamReplicas.CheckAsync(kv.JetStreamContext, _options.BucketName, StreamReplicas.KeyValueStream(_options.BucketName), _options.Replicas, _options.ReconcileReplicas, cancellationToken).ConfigureAwait(false) is { } shortfall)
            {
                LogReplicas(_logger, shortfall.Bucket, shortfall.Has, shortfall.Wants, shortfall.Outcome);
            }

            _store = existing ?? await kv.CreateOrOpenStoreAsync(
                new NatsKVConfig(_options.BucketName)
                {
                    Description = "Orleans reminders (OamOrleans.Clustering.Nats)",
                    History = 1,
                    NumberOfReplicas = _options.Replicas,
                    Storage = _options.StorageType,
                },
                cancellationToken).ConfigureAwait(false);
            await WhileElectingAsync(() => _store.GetStatusAsync(cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
            LogInitialized(_logger, _serviceId, _options.BucketName, NatsUrlRedaction.Redact(_endpoint.Url), _connection.ServerInfo?.Version ?? "?");
        }
        catch (Exception ex) when (ex is not OrleansException and not OperationCanceledException)
        {
            throw new OrleansException(
                $"NATS reminder table for service '{_serviceId}' could not open KV bucket '{_options.BucketName}' on {NatsUrlRedaction.Redact(_endpoint.Url)}: {NatsUrlRedaction.Redact(ex.Message)} "
                + "(the server must run with JetStream enabled: nats-server -js).",
                ex);
        }
    }

    /// <summary>Runs <paramref name="operation"/> again while a replicated bucket just created (or whose leader was lost) elects its leader.</summary>
    private async Task WhileElectingAsync(Func<Task> operation, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ElectionGrace;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await operation().ConfigureAwait(false);
                return;
            }
            catch (NatsException e) when (DateTime.UtcNow < deadline)
            {
                LogWaitingForLeader(_logger, _options.BucketName, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 100 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<ReminderTableData> ReadRows(GrainId grainId) =>
        new(await ReadAsync(ReminderDocument.GrainPrefix(_serviceId, grainId) + "*", static _ => true).ConfigureAwait(false));

    public async Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        new(await ReadAsync(_servicePrefix + ">", key => ReminderDocument.HashOf(key, _servicePrefix.Length) is { } hash && ReminderDocument.InRange(hash, begin, end)).ConfigureAwait(false));

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var read = await Store.ReadKeyAsync(ReminderDocument.Key(_serviceId, grainId, reminderName), Raw).ConfigureAwait(false);
        return read.Entry is { Value: { Length: > 0 } value } entry && ReminderDocument.TryDeserialize(value) is { } document
            ? document.ToEntry(entry.Revision)
            : null;
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        var revision = await Store.PutAsync(ReminderDocument.Key(_serviceId, entry.GrainId, entry.ReminderName), ReminderDocument.From(entry).Serialize(), Raw).ConfigureAwait(false);
        return ReminderDocument.Etag(revision);
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        var revision = ReminderDocument.Revision(eTag);
        if (revision == 0)
        {
            return false;
        }

        var key = ReminderDocument.Key(_serviceId, grainId, reminderName);
        var result = await Store.TryDeleteAsync(key, new NatsKVDeleteOpts { Revision = revision }).ConfigureAwait(false);
        if (result.Success)
        {
            return true;
        }

        // Another etag (a newer registration, or the reminder already removed): not ours to delete.
        LogStaleRemove(_logger, reminderName, grainId.ToString(), eTag);
        return result.Error is NatsKVWrongLastRevisionException ? false : throw result.Error;
    }

    public async Task TestOnlyClearTable()
    {
        foreach (var entry in await ReadAsync(_servicePrefix + ">", static _ => true).ConfigureAwait(false))
        {
            await Store.PurgeAsync(ReminderDocument.Key(_serviceId, entry.GrainId, entry.ReminderName)).ConfigureAwait(false);
        }
    }

    /// <summary>The current reminders under <paramref name="pattern"/> whose keys <paramref name="keep"/> accepts; values that are not reminders are skipped.</summary>
    private async Task<List<ReminderEntry>> ReadAsync(string pattern, Func<string, bool> keep)
    {
        var entries = new List<ReminderEntry>();
        var opts = new NatsKVWatchOpts { OnNoData = static _ => ValueTask.FromResult(true) };
        await foreach (var e in Store.WatchAsync(pattern, Raw, opts).ConfigureAwait(false))
        {
            if (e.Operation == NatsKVOperation.Put && keep(e.Key) && e.Value is { Length: > 0 } value && ReminderDocument.TryDeserialize(value) is { } document)
            {
                entries.Add(document.ToEntry(e.Revision));
            }

            if (e.Delta == 0)
            {
                break; // the watch has delivered every current value
            }
        }

        return entries;
    }

    private INatsKVStore Store =>
        _store ?? throw new InvalidOperationException($"The NATS reminder table (bucket '{_options.BucketName}' on {NatsUrlRedaction.Redact(_endpoint.Url)}) is not started.");

    public async ValueTask DisposeAsync()
    {
        _store = null;
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "NATS reminder table for service {ServiceId} ready: bucket {Bucket} on {Url} (server {ServerVersion})")]
    private static partial void LogInitialized(ILogger logger, string serviceId, string bucket, string url, string serverVersion);

    [LoggerMessage(2, LogLevel.Information, "NATS reminders: bucket {Bucket} did not answer yet (attempt {Attempt}: {Error}); a replicated bucket answers once its leader is elected")]
    private static partial void LogWaitingForLeader(ILogger logger, string bucket, int attempt, string error);

    [LoggerMessage(3, LogLevel.Warning, "NATS reminders: bucket {Bucket} has {Has} replica(s), {Wants} configured: {Action}")]
    private static partial void LogReplicas(ILogger logger, string bucket, int has, int wants, string action);

    [LoggerMessage(4, LogLevel.Debug, "NATS reminders: removing reminder {ReminderName} of {GrainId} with etag {ETag} lost to a newer revision")]
    private static partial void LogStaleRemove(ILogger logger, string reminderName, string grainId, string eTag);
}
