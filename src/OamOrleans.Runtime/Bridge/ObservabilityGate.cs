using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// Decides which <c>mesh.logs.{name}</c> events are published (§5.6): the level of key <c>{name}</c> in
/// <c>mesh-observability</c> wins over <c>global</c>, which wins over the default <c>info</c> (the client's
/// <see cref="ObserveLevels"/> rules). Follows the bucket with a KV watch, so a level changed with <c>oam observe set</c>
/// applies at once, without restart.
/// </summary>
internal sealed partial class ObservabilityGate(Pipeline.IMeshOutbox publisher, ILogger<ObservabilityGate> logger) : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, string> _levels = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _watch;

    public async Task StartAsync(SiloMeshConnection mesh, CancellationToken ct)
    {
        var store = await MeshStores.GetOrCreateKeyValueAsync(mesh.Connection.CreateKeyValueStoreContext(), MeshBuckets.Observability, ct);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _watch = Task.Run(() => WatchAsync(store, ready), CancellationToken.None);
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
    }

    public bool IsEnabled(string agent, string level) =>
        (LogEvent.LevelValue(level) ?? ObserveLevels.DefaultLevelValue) >= Threshold(agent);

    /// <summary>Publishes a log event when its level passes the gate for <paramref name="agent"/>.</summary>
    public ValueTask PublishAsync(string agent, string level, string @event, string requestId, string message, Action<Utf8JsonWriter>? data = null)
    {
        if (!IsEnabled(agent, level))
        {
            return ValueTask.CompletedTask;
        }

        var dataElement = data is null ? ErrorEnvelope.NoDetails : JsonDocument.Parse(Write(data)).RootElement.Clone();
        return publisher.LogAsync(new LogEvent(MeshIds.Now(), level, agent, @event, requestId, message, dataElement));
    }

    /// <summary>
    /// <see cref="ObserveLevels.Effective"/>'s rule (agent, then global, then the default) without its settings object:
    /// this runs twice per request.
    /// </summary>
    private int Threshold(string agent)
    {
        var level = _levels.TryGetValue(agent, out var own) ? own
            : _levels.TryGetValue(ObserveLevels.GlobalKey, out var global) ? global
            : ObserveLevels.DefaultLevel;
        return LogEvent.LevelValue(level) ?? ObserveLevels.DefaultLevelValue;
    }

    private async Task WatchAsync(INatsKVStore store, TaskCompletionSource ready)
    {
        try
        {
            await KvWatch.RunAsync(store, ">", Apply, ready, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The silo is stopping: the normal end of the watch, nothing to report.
        }
        catch (Exception e)
        {
            LogWatchFailed(logger, e);
        }
    }

    private Task Apply(NatsKVEntry<byte[]> entry, bool initial)
    {
        if (entry.Operation == NatsKVOperation.Put && ObserveLevels.Parse(entry.Value) is { } level)
        {
            _levels[entry.Key] = level;
        }
        else
        {
            // Deleted, purged, or a foreign value that is not a level: no level for this key.
            _levels.TryRemove(entry.Key, out _);
        }

        return Task.CompletedTask;
    }

    private static byte[] Write(Action<Utf8JsonWriter> data)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer, OamOrleans.Protocol.MeshJsonText.WriterOptions))
        {
            w.WriteStartObject();
            data(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Stops following the bucket; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _watch, null) is { } watch)
        {
            await _stop.CancelAsync();
            await watch;
        }
    }

    public void Dispose() => _stop.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching mesh-observability failed; log levels stay as they were")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);
}
