using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Nats;

namespace OamOrleans.Client;

/// <summary>
/// The mesh's health monitor (§4.6): turns <c>$SYS.ACCOUNT.*.DISCONNECT</c> advisories of connections named
/// <c>oam-host-{instance_id}</c> into cleanup. For a host whose <c>mesh-instances/{instance_id}</c> record still exists
/// (it did not shut down gracefully) it deletes the record, then deregisters every agent of that host that no other live
/// instance lists (catalog CAS + registry delete) and publishes a <c>reason: "disconnect"</c> death notice for it.
/// </summary>
/// <remarks>
/// <para>
/// Several monitors may run at once (one per silo, or a companion process next to them): the instance record is
/// deleted with an expected-revision condition, so exactly one monitor wins each dead host and only that one
/// deregisters and notifies. Catalog writes are compare-and-swap, so concurrent cleanups never lose entries. When two
/// hosts serving the same agent die at the same moment and two monitors handle them, the agent is always deregistered
/// (never left stale), possibly with two notices.
/// </para>
/// <para>
/// Advisories are read by one loop and handled in order by another, so a burst of disconnects is never dropped and a
/// malformed advisory, an unreachable bucket or a failed cleanup is logged and skipped; the monitor keeps running.
/// </para>
/// </remarks>
public sealed partial class HealthMonitor : IAsyncDisposable
{
    private static readonly Regex ValidKey = KeyPattern();
    private static readonly TimeSpan CleanupGrace = TimeSpan.FromSeconds(10);

    private readonly INatsConnection _connection;
    private readonly INatsConnection _sysConnection;
    private readonly bool _ownsConnection;
    private readonly bool _ownsSysConnection;
    private readonly MeshRegistry _registry;
    private readonly INatsKVStore _instances;
    private readonly INatsSub<byte[]> _subscription;
    private readonly ILogger _logger;
    private readonly int _deregisterRounds;
    private readonly Channel<string?> _dead = Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private Task _reader = Task.CompletedTask;
    private Task _worker = Task.CompletedTask;
    private int _disposed;
    private long _processed;

    private HealthMonitor(
        INatsConnection connection, bool ownsConnection, INatsConnection sysConnection, bool ownsSysConnection,
        MeshRegistry registry, INatsKVStore instances, INatsSub<byte[]> subscription, ILogger logger, int deregisterRounds)
    {
        _connection = connection;
        _ownsConnection = ownsConnection;
        _sysConnection = sysConnection;
        _ownsSysConnection = ownsSysConnection;
        _registry = registry;
        _instances = instances;
        _subscription = subscription;
        _logger = logger;
        _deregisterRounds = deregisterRounds;
    }

    /// <summary>
    /// Connects (unless connections are given), opens the mesh buckets and subscribes to disconnect advisories.
    /// When this returns the subscription is registered on the server: any host that dies from now on is handled.
    /// </summary>
    /// <exception cref="ArgumentException">No system-account connection or URL was given.</exception>
    /// <exception cref="InvalidOperationException">A connection could not be opened, or the SYS connection is not a system-account user.</exception>
    /// <exception cref="NATS.Client.JetStream.NatsJSException">JetStream is not enabled for the mesh account.</exception>
    public static async Task<HealthMonitor> StartAsync(HealthMonitorOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;

        INatsConnection? connection = options.Connection;
        INatsConnection? sysConnection = options.SysConnection;
        var ownsConnection = connection is null;
        var ownsSysConnection = sysConnection is null;
        INatsSub<byte[]>? subscription = null;
        try
        {
            if (connection is null)
            {
                var endpoint = MeshEndpoint.Resolve(options.Url, options.CredsFile);
                connection = await OpenAsync(endpoint.Url, endpoint.CredsFile, options.ConnectionName, "mesh", options.ConnectTimeout, cancellationToken);
            }

            if (sysConnection is null)
            {
                sysConnection = await OpenAsync(options.SysUrl!, options.SysCredsFile, options.ConnectionName + "-sys", "system account", options.ConnectTimeout, cancellationToken);
            }

            await EnsureSystemAccountAsync(sysConnection, options.ConnectTimeout, cancellationToken);
            var registry = await MeshRegistry.OpenAsync(connection, cancellationToken);
            var instances = await MeshStores.GetOrCreateKeyValueAsync(connection.CreateKeyValueStoreContext(), MeshBuckets.Instances, cancellationToken);
            subscription = await sysConnection.SubscribeCoreAsync<byte[]>(MeshSubjects.SysDisconnect, cancellationToken: cancellationToken);

            // A round trip after SUB: the server has registered the subscription once the PONG is back.
            await sysConnection.PingAsync(cancellationToken);

            var monitor = new HealthMonitor(connection, ownsConnection, sysConnection, ownsSysConnection, registry, instances, subscription, logger, options.DeregisterRounds);
            monitor._reader = Task.Run(monitor.ReadAdvisoriesAsync, CancellationToken.None);
            monitor._worker = Task.Run(monitor.HandleDeadHostsAsync, CancellationToken.None);
            LogStarted(logger, MeshSubjects.SysDisconnect);
            return monitor;
        }
        catch
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync();
            }

            if (ownsSysConnection && sysConnection is not null)
            {
                await sysConnection.DisposeAsync();
            }

            if (ownsConnection && connection is not null)
            {
                await connection.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Starts a monitor on two open connections (APP account for cleanup, system account for advisories), which it does not dispose.</summary>
    public static Task<HealthMonitor> StartAsync(INatsConnection connection, INatsConnection sysConnection, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(sysConnection);
        return StartAsync(new HealthMonitorOptions { Connection = connection, SysConnection = sysConnection }, logger, cancellationToken);
    }

    /// <summary>
    /// Disconnect advisories handled to the end, in arrival order, whatever the outcome (not a host, graceful exit, cleaned
    /// up, handled by another monitor, malformed, failed). For health checks and tests.
    /// </summary>
    public long AdvisoriesProcessed => Interlocked.Read(ref _processed);

    /// <summary>Stops reading advisories, finishes the host being cleaned up (at most 10 s more) and closes the monitor's own connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _subscription.DisposeAsync();
        }
        catch (Exception e) when (e is NatsException or ObjectDisposedException)
        {
        }

        _dead.Writer.TryComplete();

        // A cleanup that already claimed its host (deleted the instance record) is finished: no other monitor would redo it.
        var done = Task.WhenAll(_reader, _worker).ContinueWith(static _ => { }, TaskScheduler.Default);
        if (await Task.WhenAny(done, Task.Delay(CleanupGrace)) != done)
        {
            await _abort.CancelAsync();
            await done;
        }
        if (_ownsSysConnection)
        {
            await _sysConnection.DisposeAsync();
        }

        if (_ownsConnection)
        {
            await _connection.DisposeAsync();
        }

        _stop.Dispose();
        _abort.Dispose();
        LogStopped(_logger);
    }

    /// <summary>
    /// Takes <c>client.name</c> from a disconnect advisory and returns the instance id when the connection was an OAM host
    /// (<c>oam-host-{instance_id}</c>); null otherwise. Never throws: malformed advisories give null and a reason.
    /// </summary>
    internal static string? InstanceIdFromAdvisory(ReadOnlySpan<byte> advisory, out string? problem)
    {
        problem = null;
        if (advisory.IsEmpty)
        {
            problem = "empty advisory";
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(advisory);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "advisory is not a JSON object";
                return null;
            }

            if (!doc.RootElement.TryGetProperty("client", out var client) || client.ValueKind != JsonValueKind.Object)
            {
                problem = "advisory has no 'client' object";
                return null;
            }

            if (!client.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                // Unnamed connections are ordinary (CLI tools, foreign clients): not a problem, just not a host.
                return null;
            }

            var value = name.GetString()!;
            if (!value.StartsWith(HealthMonitorOptions.MeshConnectionNamePrefix, StringComparison.Ordinal))
            {
                return null;
            }

            var instanceId = value[HealthMonitorOptions.MeshConnectionNamePrefix.Length..];
            if (!ValidKey.IsMatch(instanceId))
            {
                problem = $"connection name '{value}' does not end in a valid instance id";
                return null;
            }

            return instanceId;
        }
        catch (JsonException e)
        {
            problem = "advisory is not valid JSON: " + e.Message;
            return null;
        }
    }

    private static async Task<INatsConnection> OpenAsync(string url, string? credsFile, string name, string what, TimeSpan timeout, CancellationToken ct)
    {
        var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = url,
            Name = name,
            ConnectTimeout = timeout,
            AuthOpts = credsFile is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { CredsFile = credsFile },
        });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(timeout, ct);
            return connection;
        }
        catch (Exception e) when (e is NatsException or TimeoutException or IOException)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"Health monitor cannot connect to the {what} at {Redact(url)}: {e.Message}", e);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Only system-account users receive <c>$SYS</c> advisories; any other user's subscription is accepted and silent.
    /// Only the system account answers <c>$SYS.REQ.SERVER.PING</c>, so a reply proves the connection is the right one.
    /// </summary>
    private static async Task EnsureSystemAccountAsync(INatsConnection sys, TimeSpan timeout, CancellationToken ct)
    {
        const string hint = "so $SYS.ACCOUNT.*.DISCONNECT advisories would never arrive. Use a user of the server's system_account "
            + "(e.g. nats://oam-sys:<password>@host:port with 'system_account: SYS', as 'oam mesh up' configures it).";
        try
        {
            await sys.RequestAsync<byte[], byte[]>("$SYS.REQ.SERVER.PING", [], replyOpts: new NatsSubOpts { Timeout = timeout }, cancellationToken: ct);
        }
        catch (NatsNoRespondersException e)
        {
            throw new InvalidOperationException("The health monitor's SYS connection is not in the system account ($SYS.REQ.SERVER.PING has no responders), " + hint, e);
        }
        catch (NatsNoReplyException e)
        {
            throw new InvalidOperationException($"The health monitor's SYS connection got no reply to $SYS.REQ.SERVER.PING within {timeout.TotalSeconds:0.#} s, " + hint, e);
        }
    }

    private static string Redact(string url) => MeshConnectWait.Redact(url);

    private async Task ReadAdvisoriesAsync()
    {
        try
        {
            await foreach (var msg in _subscription.Msgs.ReadAllAsync(_stop.Token))
            {
                try
                {
                    var instanceId = InstanceIdFromAdvisory(msg.Data ?? [], out var problem);
                    if (problem is not null)
                    {
                        LogMalformedAdvisory(_logger, msg.Subject, problem);
                    }

                    if (instanceId is not null)
                    {
                        LogHostDisconnected(_logger, instanceId);
                    }

                    // Everything goes through the queue (null = nothing to do) so AdvisoriesProcessed follows arrival order.
                    _dead.Writer.TryWrite(instanceId);
                }
                catch (Exception e)
                {
                    LogMalformedAdvisory(_logger, msg.Subject, e.Message);
                    _dead.Writer.TryWrite(null);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogReaderFailed(_logger, e);
        }
        finally
        {
            if (!_stop.IsCancellationRequested)
            {
                LogReaderEnded(_logger);
            }

            _dead.Writer.TryComplete();
        }
    }

    private async Task HandleDeadHostsAsync()
    {
        try
        {
            await foreach (var instanceId in _dead.Reader.ReadAllAsync(_stop.Token))
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    if (instanceId is not null)
                    {
                        await HandleDisconnectAsync(instanceId, _abort.Token);
                    }
                }
                catch (OperationCanceledException) when (_abort.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    LogCleanupFailed(_logger, instanceId!, e);
                }

                Interlocked.Increment(ref _processed);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task HandleDisconnectAsync(string instanceId, CancellationToken ct)
    {
        NatsKVEntry<byte[]> entry;
        try
        {
            entry = await _instances.GetEntryAsync<byte[]>(instanceId, cancellationToken: ct);
        }
        catch (Exception e) when (NatsKVReads.IsMissingKey(e))
        {
            // Graceful shutdown (the host deleted its record first), a pure caller, or another monitor got here first.
            LogNoInstanceRecord(_logger, instanceId);
            return;
        }

        IReadOnlyList<string> agents;
        try
        {
            agents = entry.Value is { Length: > 0 } value ? InstanceRecord.Parse(value).Agents : [];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            LogMalformedInstanceRecord(_logger, instanceId, e.Message);
            agents = [];
        }

        // Only the monitor whose conditional delete succeeds owns this host's cleanup.
        try
        {
            await _instances.DeleteAsync(instanceId, new NatsKVDeleteOpts { Revision = entry.Revision }, ct);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            LogLostRace(_logger, instanceId);
            return;
        }

        var detectedAt = MeshIds.Now();
        LogHostDied(_logger, instanceId, agents.Count);
        if (agents.Count == 0)
        {
            return;
        }

        var survivors = await _registry.ServedAgentsAsync(ct);
        foreach (var agent in agents.Distinct(StringComparer.Ordinal))
        {
            if (survivors.Contains(agent))
            {
                LogAgentSurvives(_logger, agent, instanceId);
                continue;
            }

            if (!await DeregisterAsync(agent, ct))
            {
                continue;
            }

            await _registry.PublishDeathAsync(new DeathNotice(agent, DeathNotice.Disconnect, detectedAt, instanceId), ct);
            LogAgentDied(_logger, agent, instanceId);
        }
    }

    private async Task<bool> DeregisterAsync(string agent, CancellationToken ct)
    {
        for (var round = 1; ; round++)
        {
            try
            {
                await _registry.DeregisterAsync(agent, ct);
                return true;
            }
            catch (Exception e) when (e is InvalidOperationException or NatsException && round < _deregisterRounds)
            {
                LogDeregisterRetry(_logger, agent, round, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * round), ct);
            }
            catch (Exception e) when (e is InvalidOperationException or NatsException)
            {
                LogDeregisterFailed(_logger, agent, e);
                return false;
            }
        }
    }

    // NATS KV key characters; an instance id is a KV key of mesh-instances.
    [GeneratedRegex(@"^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Health monitor started: watching {Subject}")]
    private static partial void LogStarted(ILogger logger, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Health monitor stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a malformed disconnect advisory on {Subject}: {Problem}")]
    private static partial void LogMalformedAdvisory(ILogger logger, string subject, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection oam-host-{InstanceId} disconnected")]
    private static partial void LogHostDisconnected(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No mesh-instances record for {InstanceId}: graceful shutdown, a pure caller, or already cleaned up")]
    private static partial void LogNoInstanceRecord(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mesh-instances record of {InstanceId} is not valid JSON ({Problem}); removing it without deregistering agents")]
    private static partial void LogMalformedInstanceRecord(ILogger logger, string instanceId, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Another health monitor is cleaning up after {InstanceId}")]
    private static partial void LogLostRace(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {InstanceId} disconnected without shutting down; cleaning up its {AgentCount} agent(s)")]
    private static partial void LogHostDied(ILogger logger, string instanceId, int agentCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {Agent} of dead host {InstanceId} is still served by another instance; kept")]
    private static partial void LogAgentSurvives(ILogger logger, string agent, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {Agent} deregistered after host {InstanceId} disconnected; death notice sent")]
    private static partial void LogAgentDied(ILogger logger, string agent, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deregistering {Agent} failed (round {Round}): {Problem}; retrying")]
    private static partial void LogDeregisterRetry(ILogger logger, string agent, int round, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not deregister {Agent}; its catalog entry may be stale")]
    private static partial void LogDeregisterFailed(ILogger logger, string agent, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cleanup after host {InstanceId} failed")]
    private static partial void LogCleanupFailed(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The disconnect advisory subscription ended (its connection was closed); the health monitor no longer sees hosts die")]
    private static partial void LogReaderEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading disconnect advisories failed; the health monitor no longer sees hosts die")]
    private static partial void LogReaderFailed(ILogger logger, Exception exception);
}
