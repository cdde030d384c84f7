using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;

namespace OamOrleans.AdminUi.Mesh;

/// <summary>
/// Which agents are served right now, as the reference's UI decides it: an agent is live while some
/// <c>mesh-instances/{instance_id}</c> record lists it; a put or delete of a record and a <c>mesh.death.{name}</c> notice
/// (which names the instance) update the set at once. <see cref="Ready"/> is false until the first snapshot: the
/// registry hides its dots until then rather than show every agent dead.
/// </summary>
internal sealed partial class LiveAgents(ILogger<LiveAgents> logger)
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _instances = new(StringComparer.Ordinal);

    /// <summary>Raised after every change of the live set (on a background thread).</summary>
    public event Action? Changed;

    /// <summary>True once the initial contents of <c>mesh-instances</c> have been read.</summary>
    public bool Ready { get; private set; }

    public bool IsLive(string agent) => _instances.Values.Any(agents => agents.Contains(agent));

    /// <summary>Instances that serve <paramref name="agent"/>.</summary>
    public IReadOnlyList<string> InstancesOf(string agent) =>
        [.. _instances.Where(p => p.Value.Contains(agent)).Select(p => p.Key).Order(StringComparer.Ordinal)];

    public Task RunAsync(INatsConnection connection, CancellationToken cancellationToken) =>
        Task.WhenAll(WatchInstancesAsync(connection, cancellationToken), WatchDeathsAsync(connection, cancellationToken));

    private async Task WatchInstancesAsync(INatsConnection connection, CancellationToken cancellationToken)
    {
        var kv = connection.CreateKeyValueStoreContext();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var store = await kv.GetStoreAsync(MeshBuckets.Instances, cancellationToken);
                // A (re)started watch replays every record: what it does not replay was deleted meanwhile.
                HashSet<string>? replayed = new(StringComparer.Ordinal);
                var opts = new NatsKVWatchOpts
                {
                    OnNoData = _ =>
                    {
                        ForgetAllBut(replayed);
                        replayed = null;
                        MarkReady();
                        return ValueTask.FromResult(false);
                    },
                };
                await foreach (var entry in store.WatchAsync(">", Raw, opts, cancellationToken))
                {
                    replayed?.Add(entry.Key);
                    if (entry.Operation == NatsKVOperation.Put && entry.Value is { } value)
                    {
                        _instances[entry.Key] = InstanceRecord.Parse(value).Agents.ToHashSet(StringComparer.Ordinal);
                    }
                    else
                    {
                        _instances.TryRemove(entry.Key, out _);
                    }

                    if (entry.Delta == 0 && replayed is not null)
                    {
                        ForgetAllBut(replayed);
                        replayed = null;
                        Ready = true;
                    }

                    if (Ready)
                    {
                        Changed?.Invoke();
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NatsException or NatsKVException or System.Text.Json.JsonException)
            {
                // A missing bucket (no host started yet) or a dropped connection: try again shortly.
                LogWatchFailed(logger, MeshBuckets.Instances, e.Message);
                MarkReady();
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task WatchDeathsAsync(INatsConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var msg in connection.SubscribeAsync(MeshSubjects.DeathPrefix + ">", serializer: Raw, cancellationToken: cancellationToken))
            {
                if (msg.Data is not { } data)
                {
                    continue;
                }

                DeathNotice notice;
                try
                {
                    notice = DeathNotice.Parse(data);
                }
                catch (System.Text.Json.JsonException)
                {
                    continue;
                }

                var agent = notice.Agent.Length > 0 ? notice.Agent : msg.Subject[MeshSubjects.DeathPrefix.Length..];
                if (_instances.TryGetValue(notice.InstanceId, out var agents) && agents.Contains(agent))
                {
                    _instances[notice.InstanceId] = agents.Where(a => a != agent).ToHashSet(StringComparer.Ordinal);
                    Changed?.Invoke();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void ForgetAllBut(HashSet<string>? replayed)
    {
        if (replayed is null)
        {
            return;
        }

        foreach (var stale in _instances.Keys.Where(k => !replayed.Contains(k)).ToList())
        {
            _instances.TryRemove(stale, out _);
        }
    }

    private void MarkReady()
    {
        if (!Ready)
        {
            Ready = true;
            Changed?.Invoke();
        }
    }

    [LoggerMessage(1, LogLevel.Debug, "Admin UI: watching {Bucket} failed: {Error}")]
    private static partial void LogWatchFailed(ILogger logger, string bucket, string error);
}
