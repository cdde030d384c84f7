using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OamOrleans.Internal;
using OamOrleans.Protocol;
using Orleans.Concurrency;
using Orleans.Placement;

namespace OamOrleans;

/// <summary>
/// A publisher agent: a background generator of <typeparamref name="TEvent"/> published on
/// <c>mesh.agent.{name}.events</c> (sequence numbers from 0, an end frame when it stops, an error frame plus a
/// <c>mesh.errors</c> copy when it fails). Not invocable.
/// </summary>
/// <remarks>
/// Mapping onto Orleans: one activation per silo (grain key = the silo's mesh instance id, local placement), started by
/// the silo's bridge once the silo is Active and stopped — with its end frame — before the silo deactivates grains.
/// This is exactly the reference's model of one generator per host instance, each with its own sequence; a silo that
/// crashes takes its generator with it while the other silos' generators carry on.
/// </remarks>
[PreferLocalPlacement]
[Reentrant]
[KeepAlive] // idle collection must not end a running generator; StopAsync deactivates it
public abstract class PublisherAgent<TEvent> : AgentGrain, IPublisherAgentGrain, IDisposable
{
    private CancellationTokenSource? _stop;
    private Task? _loop;

    /// <summary>The event generator: each yielded event is published at once with the next sequence number. Ending normally sends the end frame; throwing sends an error frame and a <c>mesh.errors</c> copy.</summary>
    /// <param name="context">The agent's context (no request id: events carry none).</param>
    /// <param name="cancellationToken">Cancelled when the silo stops or the lifecycle gate closes; stop yielding then.</param>
    protected abstract IAsyncEnumerable<TEvent> PublishAsync(AgentContext context, CancellationToken cancellationToken);

    /// <summary>Releases the generator's stop signal.</summary>
    public void Dispose()
    {
        _stop?.Dispose();
        GC.SuppressFinalize(this);
    }

    Task IPublisherAgentGrain.StartAsync()
    {
        if (_loop is null)
        {
            _stop = new CancellationTokenSource();
            _loop = RunAsync(_stop.Token);
        }

        return Task.CompletedTask;
    }

    async Task IPublisherAgentGrain.StopAsync()
    {
        if (_loop is { } loop)
        {
            await _stop!.CancelAsync();
            await loop;
            _loop = null;
            _stop.Dispose();
            _stop = null;
            DeactivateOnIdle();
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var frames = Services.Publisher;
        var subject = MeshSubjects.Events(AgentName);
        var context = CreateContext("", "default", Timeout.InfiniteTimeSpan, cancellationToken: stop);
        long seq = 0;
        try
        {
            await foreach (var item in PublishAsync(context, stop).WithCancellation(stop))
            {
                await frames.FrameAsync(subject, seq++, AgentJson.SerializeOutput(item), requestId: null);
                Client.MeshDiagnostics.Count(Pipeline.AgentMetrics.Events, AgentName);
            }

            await frames.EndAsync(subject, seq, requestId: null, usage: null);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await frames.EndAsync(subject, seq, requestId: null, usage: null);
        }
        catch (Exception e)
        {
            var envelope = new ErrorEnvelope(MeshErrorCodes.HandlerError, ErrorFor(e).Message, AgentName, "");
            await frames.ErrorAsync(envelope, requestId: null, replyTo: null, streamSubject: subject, conversation: null);
            AgentLog.PublisherFailed(ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger<AgentGrain>(), e, AgentName);
        }
    }
}
