using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace OamOrleans.Storage;

/// <summary>
/// Grain storage in this silo's memory: a concurrent dictionary of serialized snapshots, read and written in the calling
/// activation, with no grain call (Orleans' memory storage sends every read and write to a storage grain).
/// </summary>
/// <remarks>
/// <para>
/// Each record is a serialized snapshot (UTF-8 JSON, web defaults), so the store never shares an object with a grain: a
/// read returns a fresh object, and changes a grain makes after a write (or during a failed turn) stay out of the store.
/// </para>
/// <para>
/// ETags are versions from one counter per provider, so a record that is cleared and written again never gets back an
/// ETag an old activation still holds. Writes and clears are compare-and-set on the version and fail with
/// <see cref="InconsistentStateException"/> when the ETag is stale, including a first write (ETag null) over an existing record.
/// </para>
/// <para>
/// <b>One silo only.</b> The records live in one silo: in a cluster, a grain re-activated on another silo starts from
/// empty state there. The provider logs a warning once when cluster membership shows more than one active silo; clusters
/// should keep state in NATS KV (<c>AddNatsGrainStorage</c>, <c>OAM_STORAGE=nats</c>) or Orleans' memory storage.
/// Nothing survives a silo restart.
/// </para>
/// </remarks>
internal sealed partial class SiloMemoryGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>The NATS KV storage's default too: a state type that round-trips here also round-trips there.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<(string StateName, GrainId GrainId), Snapshot> _records = new();
    private readonly string _name;
    private readonly IActivatorProvider _activatorProvider;
    private readonly MultiSiloWarning _multiSiloWarning;
    private readonly ILogger<SiloMemoryGrainStorage> _logger;
    private long _version;

    public SiloMemoryGrainStorage(
        string name,
        IActivatorProvider activatorProvider,
        IClusterMembershipService membership,
        ILogger<SiloMemoryGrainStorage> logger)
    {
        _name = name;
        _activatorProvider = activatorProvider;
        _multiSiloWarning = new MultiSiloWarning(name, membership, logger);
        _logger = logger;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            OptionFormattingUtilities.Name<SiloMemoryGrainStorage>(_name),
            ServiceLifecycleStage.Active,
            _multiSiloWarning.StartAsync,
            _multiSiloWarning.StopAsync);

    public void Dispose() => _multiSiloWarning.Dispose();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (!_records.TryGetValue((stateName, grainId), out var snapshot))
        {
            Reset(grainState);
            return Task.CompletedTask;
        }

        grainState.State = Deserialize<T>(stateName, grainId, snapshot.Data) ?? CreateInstance<T>();
        grainState.ETag = snapshot.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        var expected = grainState.ETag;
        var next = new Snapshot(Serialize(grainState.State), NextETag());

        // At most two rounds: a lost compare-and-set means another writer changed the record, so its ETag no longer matches.
        while (true)
        {
            if (_records.TryGetValue(key, out var current))
            {
                if (!string.Equals(current.ETag, expected, StringComparison.Ordinal))
                {
                    throw Conflict("write", stateName, grainId, current.ETag, expected);
                }

                if (_records.TryUpdate(key, next, current))
                {
                    break;
                }
            }
            else
            {
                if (expected is not null)
                {
                    throw Conflict("write", stateName, grainId, stored: null, expected);
                }

                if (_records.TryAdd(key, next))
                {
                    break;
                }
            }
        }

        grainState.ETag = next.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        var expected = grainState.ETag;
        _records.TryGetValue(key, out var current);
        if (!string.Equals(current?.ETag, expected, StringComparison.Ordinal))
        {
            throw Conflict("clear", stateName, grainId, current?.ETag, expected);
        }

        // Removes the record only if it is still the snapshot whose ETag was checked.
        if (current is not null && !_records.TryRemove(KeyValuePair.Create(key, current)))
        {
            throw Conflict("clear", stateName, grainId, stored: "changed", expected);
        }

        Reset(grainState);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Removes the conversation states of grains of <paramref name="grainType"/> whose last turn lies more than
    /// <paramref name="ttl"/> before <paramref name="now"/> (idle expiry); each only if it is still the snapshot that was
    /// judged, so a write that came in meanwhile stays. Returns how many were removed.
    /// </summary>
    public int RemoveExpired(GrainType grainType, TimeSpan ttl, DateTimeOffset now)
    {
        var removed = 0;
        foreach (var record in _records)
        {
            if (record.Key.GrainId.Type.Equals(grainType)
                && Expiry.ConversationExpiry.LastTurnOf(record.Value.Data.Span) is { } lastTurn
                && Expiry.ConversationExpiry.IsExpired(lastTurn, ttl, now)
                && _records.TryRemove(record))
            {
                removed++;
            }
        }

        return removed;
    }

    private void Reset<T>(IGrainState<T> grainState)
    {
        grainState.State = CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static ReadOnlyMemory<byte> Serialize<T>(T? state) =>
        JsonSerializer.SerializeToUtf8Bytes(state, Json);

    private T? Deserialize<T>(string stateName, GrainId grainId, ReadOnlyMemory<byte> data)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(data.Span, Json);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"State '{stateName}' of grain {grainId} in silo memory storage '{_name}' ({data.Length} bytes) cannot be deserialized as {typeof(T)}: {ex.Message}",
                ex);
        }
    }

    private string NextETag() => Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);

    private T CreateInstance<T>() => _activatorProvider.GetActivator<T>().Create();

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? stored, string? expected)
    {
        LogConflict(_logger, _name, operation, stateName, grainId, expected ?? "(none)", stored ?? "(no record)");
        return new InconsistentStateException(
            $"Version conflict on {operation} of state '{stateName}' of grain {grainId} (silo memory storage '{_name}'): "
            + $"the stored ETag is {stored ?? "(no record)"}, the activation expected {expected ?? "(no record)"}; another activation changed it.",
            stored ?? "(no record)",
            expected ?? "(no record)");
    }

    [LoggerMessage(1, LogLevel.Warning, "Silo memory storage {Name}: version conflict on {Operation} of state {StateName} of grain {GrainId}: expected ETag {ETag}, stored {StoredETag}")]
    private static partial void LogConflict(ILogger logger, string name, string operation, string stateName, GrainId grainId, string etag, string storedETag);

    /// <summary>One stored version of a state: compared by reference in the compare-and-set.</summary>
    private sealed class Snapshot(ReadOnlyMemory<byte> data, string etag)
    {
        public ReadOnlyMemory<byte> Data { get; } = data;

        public string ETag { get; } = etag;
    }
}
