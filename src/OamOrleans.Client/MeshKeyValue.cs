using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Nats;

namespace OamOrleans.Client;

/// <summary>
/// The shared context KV of the mesh (bucket <c>mesh-context</c>, protocol §6.2), reached as <see cref="MeshClient.Kv"/>:
/// put/get/delete, watch, compare-and-swap, update with retry, create, list, and JSON helpers. Values are plain bytes or
/// UTF-8 strings, exactly as other OpenAgentMesh SDKs store them; use dotted keys to allow wildcard watches and lists.
/// </summary>
/// <remarks>
/// The bucket is opened (or created with the reference's settings) on first use. Works on nats-server 2.9: watches and
/// lists take one key or one wildcard pattern (multi-filter consumers need 2.10).
/// </remarks>
public sealed class MeshKeyValue
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private readonly MeshClient _client;
    private readonly LazyStore<INatsKVStore> _store;

    internal MeshKeyValue(MeshClient client)
    {
        _client = client;
        _store = client.StoreOnFirstUse((connection, ct) => MeshStores.GetOrCreateKeyValueAsync(connection.CreateKeyValueStoreContext(), MeshBuckets.Context, ct));
    }

    /// <summary>The bucket name, <c>mesh-context</c>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the store's instance API, beside its other members")]
    public string Bucket => MeshBuckets.Context;

    private JsonSerializerOptions Json => _client.Options.JsonOptions ?? MeshJson.Options;

    /// <summary>Stores a UTF-8 string value and returns the new revision.</summary>
    public ValueTask<ulong> PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        PutAsync(key, Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <summary>Stores a byte value and returns the new revision.</summary>
    public async ValueTask<ulong> PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        return await store.PutAsync(ValidKey(key), value.ToArray(), Raw, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The value of <paramref name="key"/> as a UTF-8 string.</summary>
    /// <exception cref="NotFoundException">The key does not exist or was deleted.</exception>
    public async ValueTask<string> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString((await GetEntryAsync(key, cancellationToken).ConfigureAwait(false)).Value.Span);

    /// <summary>The value of <paramref name="key"/> as bytes.</summary>
    /// <exception cref="NotFoundException">The key does not exist or was deleted.</exception>
    public async ValueTask<ReadOnlyMemory<byte>> GetBytesAsync(string key, CancellationToken cancellationToken = default) =>
        (await GetEntryAsync(key, cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>The current entry of <paramref name="key"/> (value and revision, for compare-and-swap).</summary>
    /// <exception cref="NotFoundException">The key does not exist or was deleted.</exception>
    public async ValueTask<KvEntry> GetEntryAsync(string key, CancellationToken cancellationToken = default) =>
        await TryGetEntryAsync(key, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException($"Key '{key}' not found in {Bucket}");

    /// <summary>The current entry of <paramref name="key"/>, or null when it does not exist or was deleted.</summary>
    public async ValueTask<KvEntry?> TryGetEntryAsync(string key, CancellationToken cancellationToken = default)
    {
        var (entry, _) = await ReadAsync(ValidKey(key), cancellationToken).ConfigureAwait(false);
        return entry;
    }

    /// <summary>Deletes <paramref name="key"/> (a delete marker; watchers see a <see cref="KvOperation.Delete"/>). Deleting a missing key is allowed.</summary>
    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(ValidKey(key), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One compare-and-swap attempt: writes <paramref name="value"/> only if the key's current revision is
    /// <paramref name="expectedRevision"/> (0 = the key must not exist or be deleted), and returns the new revision.
    /// </summary>
    /// <exception cref="KvKeyExistsException">The key changed since <paramref name="expectedRevision"/> (code <c>kv_conflict</c>).</exception>
    public ValueTask<ulong> CasAsync(string key, string value, ulong expectedRevision, CancellationToken cancellationToken = default) =>
        CasAsync(key, Encoding.UTF8.GetBytes(value), expectedRevision, cancellationToken);

    /// <inheritdoc cref="CasAsync(string, string, ulong, CancellationToken)"/>
    public async ValueTask<ulong> CasAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default) =>
        await TryCasAsync(key, value, expectedRevision, cancellationToken).ConfigureAwait(false) ?? throw KvKeyExistsException.Conflict(key, expectedRevision);

    /// <summary>Like <see cref="CasAsync(string, string, ulong, CancellationToken)"/> without raising: the new revision, or null on conflict.</summary>
    public ValueTask<ulong?> TryCasAsync(string key, string value, ulong expectedRevision, CancellationToken cancellationToken = default) =>
        TryCasAsync(key, Encoding.UTF8.GetBytes(value), expectedRevision, cancellationToken);

    /// <inheritdoc cref="TryCasAsync(string, string, ulong, CancellationToken)"/>
    public async ValueTask<ulong?> TryCasAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
    {
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        ValidKey(key);
        var bytes = value.ToArray();
        try
        {
            if (expectedRevision == 0)
            {
                // Absent: create. A deleted key keeps a delete marker, so "absent" is CAS on the marker's revision.
                var (current, marker) = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
                if (current is not null)
                {
                    return null;
                }

                return marker == 0
                    ? await store.CreateAsync(key, bytes, Raw, cancellationToken).ConfigureAwait(false)
                    : await store.UpdateAsync(key, bytes, marker, Raw, cancellationToken).ConfigureAwait(false);
            }

            return await store.UpdateAsync(key, bytes, expectedRevision, Raw, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConflict(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Read-modify-write with compare-and-swap, retried on conflict (the reference's <c>update(key, fn, max_retries=10)</c>).
    /// <paramref name="update"/> gets the current string value (null when the key is absent or deleted, so a deleted key
    /// is resurrected) and returns the new one. Returns the new revision.
    /// </summary>
    /// <exception cref="KvKeyExistsException">Still conflicting after <paramref name="maxRetries"/> attempts (code <c>kv_conflict</c>).</exception>
    public ValueTask<ulong> UpdateAsync(string key, Func<string?, string> update, int maxRetries = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return UpdateBytesAsync(key, current => Encoding.UTF8.GetBytes(update(current is { } c ? Encoding.UTF8.GetString(c.Span) : null)), maxRetries, cancellationToken);
    }

    /// <summary>Like <see cref="UpdateAsync"/> on bytes: <paramref name="update"/> gets the current value (null when absent) and returns the new one.</summary>
    /// <exception cref="KvKeyExistsException">Still conflicting after <paramref name="maxRetries"/> attempts (code <c>kv_conflict</c>).</exception>
    public async ValueTask<ulong> UpdateBytesAsync(string key, Func<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>> update, int maxRetries = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetries, 1);
        ValidKey(key);
        ulong revision = 0;
        for (var attempt = 0; attempt < maxRetries; attempt++)
        {
            var (current, marker) = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
            revision = current?.Revision ?? marker;
            var next = update(current?.Value);
            var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return revision == 0
                    ? await store.CreateAsync(key, next.ToArray(), Raw, cancellationToken).ConfigureAwait(false)
                    : await store.UpdateAsync(key, next.ToArray(), revision, Raw, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConflict(e))
            {
                // Someone else wrote in between: read again.
            }
        }

        throw KvKeyExistsException.Conflict(key, revision, maxRetries);
    }

    /// <summary>Put-if-absent: stores the value only when the key does not exist (or was deleted); returns the revision.</summary>
    /// <exception cref="KvKeyExistsException">The key exists; details <c>{"key": key}</c>.</exception>
    public ValueTask<ulong> CreateAsync(string key, string value, CancellationToken cancellationToken = default) =>
        CreateAsync(key, Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <inheritdoc cref="CreateAsync(string, string, CancellationToken)"/>
    public async ValueTask<ulong> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        await TryCasAsync(key, value, 0, cancellationToken).ConfigureAwait(false) ?? throw KvKeyExistsException.ForKey(key);

    /// <summary>
    /// The current entries whose key starts with <paramref name="prefixOrPattern"/>, or match it when it holds a NATS
    /// wildcard (<c>*</c> or <c>&gt;</c>); all entries for <c>&gt;</c>. Deleted keys are left out unless
    /// <paramref name="includeDeleted"/>. Ordered by revision.
    /// </summary>
    public async ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefixOrPattern = ">", bool includeDeleted = false, CancellationToken cancellationToken = default)
    {
        // A prefix ending in a dot narrows on the server ("a." -> "a.>"); any other prefix is matched here.
        var prefix = IsPattern(prefixOrPattern) ? "" : prefixOrPattern;
        var pattern = IsPattern(prefixOrPattern) ? prefixOrPattern
            : prefix.Length > 1 && prefix.EndsWith('.') && !prefix.StartsWith('.') && !prefix.Contains("..", StringComparison.Ordinal) ? prefix + ">"
            : ">";
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<KvEntry>();
        var opts = new NatsKVWatchOpts { OnNoData = _ => ValueTask.FromResult(true) };
        await foreach (var e in store.WatchAsync(pattern, Raw, opts, cancellationToken).ConfigureAwait(false))
        {
            var entry = ToEntry(e);
            if ((includeDeleted || entry.Operation == KvOperation.Put) && entry.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                entries.Add(entry);
            }

            if (e.Delta == 0)
            {
                break;
            }
        }

        return entries;
    }

    /// <summary>
    /// Watches one key or one wildcard pattern and yields each new string value (puts only), starting with the current
    /// values unless <paramref name="updatesOnly"/>. Runs until cancelled.
    /// </summary>
    public async IAsyncEnumerable<string> WatchAsync(string keyOrPattern = ">", bool updatesOnly = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entry in WatchEntriesAsync(keyOrPattern, updatesOnly, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Operation == KvOperation.Put)
            {
                yield return entry.Text;
            }
        }
    }

    /// <summary>Watches one key or one wildcard pattern and yields every entry, puts and deletes (the TypeScript SDK's <c>watchEntries</c>).</summary>
    public async IAsyncEnumerable<KvEntry> WatchEntriesAsync(string keyOrPattern = ">", bool updatesOnly = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!IsPattern(keyOrPattern))
        {
            ValidKey(keyOrPattern);
        }

        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in store.WatchAsync(keyOrPattern, Raw, new NatsKVWatchOpts { UpdatesOnly = updatesOnly }, cancellationToken).ConfigureAwait(false))
        {
            yield return ToEntry(e);
        }
    }

    /// <summary>Stores <paramref name="value"/> as JSON; returns the revision.</summary>
    public ValueTask<ulong> PutJsonAsync<T>(string key, T value, CancellationToken cancellationToken = default) =>
        PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, Json), cancellationToken);

    /// <summary>Reads the value as JSON.</summary>
    /// <exception cref="NotFoundException">The key does not exist or was deleted.</exception>
    public async ValueTask<T> GetJsonAsync<T>(string key, CancellationToken cancellationToken = default) =>
        JsonSerializer.Deserialize<T>((await GetEntryAsync(key, cancellationToken).ConfigureAwait(false)).Value.Span, Json)!;

    /// <summary>Put-if-absent of a JSON value.</summary>
    /// <exception cref="KvKeyExistsException">The key exists.</exception>
    public ValueTask<ulong> CreateJsonAsync<T>(string key, T value, CancellationToken cancellationToken = default) =>
        CreateAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, Json), cancellationToken);

    /// <summary>One compare-and-swap attempt with a JSON value.</summary>
    /// <exception cref="KvKeyExistsException">The key changed since <paramref name="expectedRevision"/> (code <c>kv_conflict</c>).</exception>
    public ValueTask<ulong> CasJsonAsync<T>(string key, T value, ulong expectedRevision, CancellationToken cancellationToken = default) =>
        CasAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, Json), expectedRevision, cancellationToken);

    /// <summary>One compare-and-swap attempt with a JSON value: the new revision, or null on conflict.</summary>
    public ValueTask<ulong?> TryCasJsonAsync<T>(string key, T value, ulong expectedRevision, CancellationToken cancellationToken = default) =>
        TryCasAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, Json), expectedRevision, cancellationToken);

    /// <summary>CAS retry loop on a JSON value; <paramref name="update"/> gets default(T) when the key is absent.</summary>
    /// <exception cref="KvKeyExistsException">Still conflicting after <paramref name="maxRetries"/> attempts (code <c>kv_conflict</c>).</exception>
    public ValueTask<ulong> UpdateJsonAsync<T>(string key, Func<T?, T> update, int maxRetries = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var json = Json;
        return UpdateBytesAsync(key, current => JsonSerializer.SerializeToUtf8Bytes(
            update(current is { } c && !c.IsEmpty ? JsonSerializer.Deserialize<T>(c.Span, json) : default), json), maxRetries, cancellationToken);
    }

    /// <summary>The current entries (see <see cref="ListAsync"/>) deserialized as JSON, by key.</summary>
    public async ValueTask<IReadOnlyDictionary<string, T>> ListJsonAsync<T>(string prefixOrPattern = ">", CancellationToken cancellationToken = default)
    {
        var json = Json;
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var entry in await ListAsync(prefixOrPattern, includeDeleted: false, cancellationToken).ConfigureAwait(false))
        {
            result[entry.Key] = entry.Deserialize<T>(json)!;
        }

        return result;
    }

    /// <summary>The live entry (null when absent or deleted) and, for a deleted key, the revision of its delete marker.</summary>
    private async ValueTask<(KvEntry? Entry, ulong MarkerRevision)> ReadAsync(string key, CancellationToken ct)
    {
        var store = await StoreAsync(ct).ConfigureAwait(false);
        var read = await store.ReadKeyAsync(key, Raw, ct).ConfigureAwait(false);
        return read.Entry is { } e ? (new KvEntry(e.Key, e.Value ?? [], e.Revision, KvOperation.Put), 0) : (null, read.MarkerRevision);
    }

    private ValueTask<INatsKVStore> StoreAsync(CancellationToken ct) => _store.GetAsync(ct);

    private static KvEntry ToEntry(NatsKVEntry<byte[]> e) =>
        new(e.Key, e.Operation == NatsKVOperation.Put ? e.Value ?? [] : ReadOnlyMemory<byte>.Empty, e.Revision,
            e.Operation == NatsKVOperation.Put ? KvOperation.Put : KvOperation.Delete);

    private static bool IsConflict(Exception e) =>
        e is NatsKVWrongLastRevisionException or NatsKVCreateException
        || (e is NatsJSApiException api && api.Error.ErrCode == 10071);

    private static bool IsPattern(string key) => key.Contains('*') || key.Contains('>');

    private static string ValidKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.StartsWith('.') || key.EndsWith('.') || key.Contains("..") || IsPattern(key)
            || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '\\' or '=' or '.')))
        {
            throw new ArgumentException($"Invalid key '{key}': use [-/_=.a-zA-Z0-9] with dots between segments, no wildcards.", nameof(key));
        }

        return key;
    }
}
