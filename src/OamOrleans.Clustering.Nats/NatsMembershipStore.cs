using System.Text;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Nats;

namespace OamOrleans.Clustering.Nats;

/// <summary>NATS connection + KV bucket access shared by the membership table and the gateway list provider.</summary>
internal sealed class NatsMembershipStore(NatsClusteringOptions options, string defaultConnectionName) : IAsyncDisposable
{
    private readonly OamOrleans.Client.MeshEndpoint _endpoint = options.Endpoint ?? OamOrleans.Client.MeshEndpoint.Resolve();
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private NatsConnection? _connection;
    private INatsKVStore? _store;

    public string Bucket => options.BucketName;

    public string Url => _endpoint.Url;

    public string? ServerVersion => _connection?.ServerInfo?.Version;

    /// <summary>What <see cref="InitializeAsync"/> found when the bucket existed with fewer replicas than configured; null otherwise.</summary>
    public ReplicaShortfall? Shortfall { get; private set; }

    /// <summary>Connects and opens the bucket; <paramref name="create"/> creates it if missing. False if missing and not created.</summary>
    public async Task<bool> InitializeAsync(bool create, CancellationToken cancellationToken)
    {
        await _initLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_store is not null)
            {
                return true;
            }

            if (_connection is null)
            {
                var connection = new NatsConnection(_endpoint.ToNatsOpts(options.ConnectionName ?? defaultConnectionName));
                try
                {
                    await connection.ConnectAsync().ConfigureAwait(false);
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                _connection = connection;
            }

            var kv = _connection.CreateKeyValueStoreContext();
            _store = await kv.TryGetStoreAsync(options.BucketName, cancellationToken).ConfigureAwait(false);
            if (_store is not null && create)
            {
                // A silo (the one that would create it) checks the bucket it found against its replicas setting.
                Shortfall = await StreamReplicas.CheckAsync(kv.JetStreamContext, options.BucketName, StreamReplicas.KeyValueStream(options.BucketName), options.Replicas, options.ReconcileReplicas, cancellationToken).ConfigureAwait(false);
            }
            else if (_store is null && create)
            {
                _store = await kv.CreateOrOpenStoreAsync(
                    new NatsKVConfig(options.BucketName)
                    {
                        Description = "Orleans cluster membership (OamOrleans.Clustering.Nats)",
                        History = 1,
                        NumberOfReplicas = options.Replicas,
                        Storage = options.StorageType,
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            return _store is not null;
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>Reads a cluster's document and its KV revision; (null, revision of a delete marker or 0) when absent.</summary>
    public async Task<(MembershipDocument? Document, ulong Revision)> ReadAsync(string clusterId, CancellationToken cancellationToken)
    {
        var store = GetStore();
        var read = await store.ReadKeyAsync(Key(clusterId), Raw, cancellationToken).ConfigureAwait(false);
        if (read.Entry is { } entry)
        {
            return entry.Value is { Length: > 0 } value ? (MembershipDocument.Deserialize(value), entry.Revision) : (null, entry.Revision);
        }

        // Never written, deleted or purged (on either kind of bucket): create anew.
        return (null, 0);
    }

    /// <summary>Compare-and-set write: true if the key was still at <paramref name="expectedRevision"/> (0 = absent or deleted).</summary>
    public async Task<bool> TryWriteAsync(string clusterId, MembershipDocument document, ulong expectedRevision, CancellationToken cancellationToken)
    {
        var store = GetStore();
        var payload = document.Serialize();
        var result = expectedRevision == 0
            ? await store.TryCreateAsync(Key(clusterId), payload, Raw, cancellationToken).ConfigureAwait(false)
            : await store.TryUpdateAsync(Key(clusterId), payload, expectedRevision, Raw, cancellationToken).ConfigureAwait(false);
        if (result.Success)
        {
            return true;
        }

        return result.Error is NatsKVCreateException or NatsKVWrongLastRevisionException ? false : throw result.Error;
    }

    public async Task DeleteAsync(string clusterId, CancellationToken cancellationToken)
    {
        var result = await GetStore().TryPurgeAsync(Key(clusterId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Success && !NatsKVReads.IsMissingKey(result.Error))
        {
            throw result.Error;
        }
    }

    public async ValueTask DisposeAsync()
    {
        var connection = Interlocked.Exchange(ref _connection, null);
        _store = null;
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _initLock.Dispose();
    }

    /// <summary>The KV key of a cluster: the cluster id with every byte outside <c>[-/_a-zA-Z0-9]</c> escaped as <c>=XX</c>.</summary>
    internal static string Key(string clusterId)
    {
        var bytes = Encoding.UTF8.GetBytes(clusterId);
        if (bytes.Length == 0)
        {
            return "=";
        }

        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'/')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('=').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private INatsKVStore GetStore() =>
        _store ?? throw new InvalidOperationException($"The NATS membership store (bucket '{options.BucketName}' on {NatsUrlRedaction.Redact(Url)}) is not initialized.");
}
