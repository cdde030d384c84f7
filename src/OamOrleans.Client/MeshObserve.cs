using System.Runtime.CompilerServices;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Nats;

namespace OamOrleans.Client;

/// <summary>An agent's effective observability config (the reference's <c>mesh.observe.get(name)</c>).</summary>
/// <param name="LogLevel">The level that applies.</param>
/// <param name="Source">
/// Where it comes from, as the reference writes it: <see cref="AgentSource"/> (the agent's own entry in
/// <c>mesh-observability</c>), <see cref="GlobalSource"/> (the <c>global</c> entry) or <see cref="DefaultSource"/>
/// (neither entry exists: the default level <c>info</c>).
/// </param>
public sealed record EffectiveObserveSettings(string LogLevel, string Source)
{
    /// <summary>The agent has its own entry.</summary>
    public const string AgentSource = "agent";

    /// <summary>No entry of its own: the <c>global</c> entry applies.</summary>
    public const string GlobalSource = "global";

    /// <summary>Neither entry exists: the default level applies.</summary>
    public const string DefaultSource = "default";
}

/// <summary>
/// The whole observability config (the reference's <c>ObserveConfig</c>): the global level and each agent's override.
/// Levels are <c>debug</c>, <c>info</c>, <c>warn</c>, <c>error</c> or <c>off</c>, as each entry's <c>log_level</c> says.
/// </summary>
/// <param name="Global">The mesh-wide level (<c>info</c> when unset).</param>
/// <param name="Agents">Per-agent override levels, by agent name.</param>
public sealed record ObserveConfig(string Global, IReadOnlyDictionary<string, string> Agents);

/// <summary>
/// Observability (§5.6; the reference's <c>mesh.observe</c>): reads and sets the log levels kept in the
/// <c>mesh-observability</c> bucket — per agent (key = agent name) or mesh-wide (key <c>global</c>); hosts apply changes
/// live — and tails the <see cref="LogEvent"/>s hosts publish on <c>mesh.logs.{name}</c>.
/// </summary>
public sealed class MeshObserve
{
    /// <summary>The key of the mesh-wide entry.</summary>
    public const string GlobalKey = ObserveLevels.GlobalKey;

    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private readonly MeshClient _client;
    private readonly LazyStore<INatsKVStore> _store;

    internal MeshObserve(MeshClient client)
    {
        _client = client;
        _store = client.StoreOnFirstUse((connection, ct) => MeshStores.GetOrCreateKeyValueAsync(connection.CreateKeyValueStoreContext(), MeshBuckets.Observability, ct));
    }

    /// <summary>The bucket name, <c>mesh-observability</c>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the store's instance API, beside its other members")]
    public string Bucket => MeshBuckets.Observability;

    /// <summary>The effective level of <paramref name="agent"/>: its own entry, else <c>global</c>, else <c>info</c>.</summary>
    public async ValueTask<EffectiveObserveSettings> GetAsync(string agent, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        var store = await _store.GetAsync(cancellationToken).ConfigureAwait(false);
        var own = await ReadAsync(store, agent, cancellationToken).ConfigureAwait(false);
        var global = own is null ? await ReadAsync(store, GlobalKey, cancellationToken).ConfigureAwait(false) : null;
        return ObserveLevels.Effective(own, global);
    }

    /// <summary>Sets the log level of one agent; every host serving it applies it at once.</summary>
    /// <exception cref="ArgumentException">Unknown level or bad agent name.</exception>
    public ValueTask SetAsync(string agent, string logLevel, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        return WriteAsync(agent, logLevel, cancellationToken);
    }

    /// <summary>Sets the mesh-wide log level (agents without their own entry follow it).</summary>
    /// <exception cref="ArgumentException">Unknown level.</exception>
    public ValueTask SetGlobalAsync(string logLevel, CancellationToken cancellationToken = default) =>
        WriteAsync(GlobalKey, logLevel, cancellationToken);

    /// <summary>Everything in the bucket: the global entry (<c>info</c> when unset) and each agent's override. Unreadable entries are left out.</summary>
    public async ValueTask<ObserveConfig> ConfigAsync(CancellationToken cancellationToken = default)
    {
        var store = await _store.GetAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<string>();
        try
        {
            await foreach (var key in store.GetKeysAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                keys.Add(key);
            }
        }
        catch (NatsKVException)
        {
            // An empty bucket.
        }

        var global = ObserveLevels.DefaultLevel;
        var agents = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (await ReadAsync(store, key, cancellationToken).ConfigureAwait(false) is not { } settings)
            {
                continue;
            }

            if (key == GlobalKey)
            {
                global = settings;
            }
            else
            {
                agents[key] = settings;
            }
        }

        return new ObserveConfig(global, agents);
    }

    /// <summary>
    /// Tails log events: of <paramref name="agent"/> (<c>mesh.logs.{agent}</c>), or of every agent (<c>mesh.logs.&gt;</c>),
    /// at or above <paramref name="minLevel"/> when given. The subscription opens on the first <c>MoveNextAsync</c>; use
    /// <see cref="TailAsync"/> to know when it is in place. Hosts publish only the events their configured level lets
    /// through (<see cref="SetAsync"/>).
    /// </summary>
    public async IAsyncEnumerable<LogEvent> LogsAsync(string? agent = null, string? minLevel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var tail = await TailAsync(agent, minLevel, cancellationToken).ConfigureAwait(false);
        await using (((IAsyncDisposable)tail).ConfigureAwait(false))
        {
            await foreach (var e in tail.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }
        }
    }

    /// <summary>
    /// Like <see cref="LogsAsync"/>, but returns once the subscription is in place on the server: every event published
    /// after this returns is seen. Dispose the tail to unsubscribe.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown level or bad agent name.</exception>
    public async ValueTask<MeshLogTail> TailAsync(string? agent = null, string? minLevel = null, CancellationToken cancellationToken = default)
    {
        if (agent is not null)
        {
            AgentName.Validate(agent, nameof(agent));
        }

        var min = minLevel is null ? 0 : CheckLevel(minLevel);
        var subject = agent is null ? MeshSubjects.LogsPrefix + ">" : MeshSubjects.Logs(agent);
        await _client.ConnectedAsync(cancellationToken).ConfigureAwait(false);
        var sub = await _client.Connection.SubscribeCoreAsync(subject, serializer: Raw, cancellationToken: cancellationToken).ConfigureAwait(false);
        await _client.Connection.PingAsync(cancellationToken).ConfigureAwait(false);
        return new MeshLogTail(subject, sub, min);
    }

    /// <summary>The numeric value of <paramref name="level"/>.</summary>
    /// <exception cref="ArgumentException">Not one of debug, info, warn, error, off.</exception>
    public static int CheckLevel(string level) =>
        LogEvent.LevelValue(level) ?? throw new ArgumentException($"Unknown log level '{level}'. Choose from: {string.Join(", ", ObserveLevels.Known)}.", nameof(level));

    private async ValueTask WriteAsync(string key, string logLevel, CancellationToken cancellationToken)
    {
        CheckLevel(logLevel);
        var store = await _store.GetAsync(cancellationToken).ConfigureAwait(false);
        await store.PutAsync(key, ObserveLevels.Entry(logLevel), Raw, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The level of one entry; null when it is missing or unreadable.</summary>
    private static async ValueTask<string?> ReadAsync(INatsKVStore store, string key, CancellationToken ct)
    {
        try
        {
            var entry = await store.GetEntryAsync(key, serializer: Raw, cancellationToken: ct).ConfigureAwait(false);
            return ObserveLevels.Parse(entry.Value);
        }
        catch (Exception e) when (NatsKVReads.IsMissingKey(e))
        {
            return null;
        }
    }
}

/// <summary>A live subscription to <c>mesh.logs.*</c> (<see cref="MeshObserve.TailAsync"/>): enumerate it for the events, dispose it to stop.</summary>
public sealed class MeshLogTail : IAsyncEnumerable<LogEvent>, IAsyncDisposable
{
    private readonly INatsSub<byte[]> _sub;
    private readonly int _min;

    internal MeshLogTail(string subject, INatsSub<byte[]> sub, int min)
    {
        Subject = subject;
        _sub = sub;
        _min = min;
    }

    /// <summary>The subject tailed: <c>mesh.logs.{agent}</c> or <c>mesh.logs.&gt;</c>.</summary>
    public string Subject { get; }

    /// <summary>Yields the log events at or above the tail's minimum level as they arrive, until cancelled or disposed.</summary>
    public async IAsyncEnumerator<LogEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        await foreach (var msg in _sub.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var e = LogEvent.Parse(msg.Data ?? []);
            if ((LogEvent.LevelValue(e.Level) ?? 0) >= _min)
            {
                yield return e;
            }
        }
    }

    /// <summary>Unsubscribes; an enumeration in progress ends.</summary>
    public ValueTask DisposeAsync() => _sub.DisposeAsync();
}
