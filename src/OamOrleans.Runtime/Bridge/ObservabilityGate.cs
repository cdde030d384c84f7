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
/// <c>mesh-observability</c> wins over <c>global</c>, which wins over the default <c>info</c>. Follows the bucket
/// with a KV watch, so a level changed with <c>oam observe set</c> applies at once, without restart.
/// </summary>
internal sealed partial class ObservabilityGate(MeshPublisher publisher, ILogger<ObservabilityGate> logger) : IAsyncDisposable, IDisposable
{
    private const string Global = "global";
    private const int DefaultLevel = 20;
    private readonly ConcurrentDictionary<string, int> _levels = new(StringComparer.Ordinal);
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
        (LogEvent.LevelValue(level) ?? DefaultLevel) >= Threshold(agent);

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

    private int Threshold(string agent) =>
        _levels.TryGetValue(agent, out var own) ? own : _levels.TryGetValue(Global, out var global) ? global : DefaultLevel;

    private async Task WatchAsync(INatsKVStore store, TaskCompletionSource ready)
    {
        try
        {
            await foreach (var entry in store.WatchAsync<byte[]>(">", opts: new NatsKVWatchOpts { OnNoData = _ => { ready.TrySetResult(); return ValueTask.FromResult(false); } }, cancellationToken: _stop.Token))
            {
                Apply(entry.Key, entry.Operation == NatsKVOperation.Put ? entry.Value : null);
                if (entry.Delta == 0)
                {
                    ready.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The silo is stopping: the normal end of the watch, nothing to report.
        }
        catch (Exception e)
        {
            LogWatchFailed(logger, e);
        }
        finally
        {
            ready.TrySetResult();
        }
    }

    private void Apply(string key, byte[]? value)
    {
        int? level = null;
        if (value is { Length: > 0 })
        {
            try
            {
                using var doc = JsonDocument.Parse(value);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("log_level", out var l) && l.ValueKind == JsonValueKind.String)
                {
                    level = LogEvent.LevelValue(l.GetString()!);
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                // A foreign writer's value that is not a level (bad JSON, a lone surrogate escape): no level for this key.
            }
        }

        if (level is { } v)
        {
            _levels[key] = v;
        }
        else
        {
            _levels.TryRemove(key, out _);
        }
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
