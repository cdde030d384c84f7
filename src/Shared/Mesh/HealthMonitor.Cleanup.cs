using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using OamOrleans.Nats;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>The two loops of the monitor: advisories in, dead hosts cleaned up (instance record, catalog, registry, notice).</summary>
internal sealed partial class HealthMonitor
{
    private async Task ReadAdvisoriesAsync()
    {
        try
        {
            await foreach (var msg in _subscription.Msgs.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    var instanceId = DisconnectAdvisory.InstanceId(msg.Data ?? [], out var problem);
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
            await foreach (var instanceId in _dead.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    if (instanceId is not null)
                    {
                        await HandleDisconnectAsync(instanceId, _abort.Token).ConfigureAwait(false);
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
            entry = await _instances.GetEntryAsync<byte[]>(instanceId, cancellationToken: ct).ConfigureAwait(false);
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
            await _instances.DeleteAsync(instanceId, new NatsKVDeleteOpts { Revision = entry.Revision }, ct).ConfigureAwait(false);
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

        var survivors = await _registry.ServedAgentsAsync(ct).ConfigureAwait(false);
        foreach (var agent in agents.Distinct(StringComparer.Ordinal))
        {
            if (survivors.Contains(agent))
            {
                LogAgentSurvives(_logger, agent, instanceId);
                continue;
            }

            if (!await DeregisterAsync(agent, ct).ConfigureAwait(false))
            {
                continue;
            }

            await _registry.PublishDeathAsync(new DeathNotice(agent, DeathNotice.Disconnect, detectedAt, instanceId), ct).ConfigureAwait(false);
            LogAgentDied(_logger, agent, instanceId);
        }
    }

    private async Task<bool> DeregisterAsync(string agent, CancellationToken ct)
    {
        for (var round = 1; ; round++)
        {
            try
            {
                await _registry.DeregisterAsync(agent, ct).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is InvalidOperationException or NatsException && round < _deregisterRounds)
            {
                LogDeregisterRetry(_logger, agent, round, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * round), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or NatsException)
            {
                LogDeregisterFailed(_logger, agent, e);
                return false;
            }
        }
    }
}
