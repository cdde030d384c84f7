using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Hosting;

namespace OamOrleans.Bridge;

/// <summary>
/// An agent's subscription (<c>mesh.agent.{name}</c> in queue group <c>q.{name}</c>) that hands the bridge
/// <see cref="MeshRequest"/>s instead of <see cref="NatsMsg{T}"/>s: it reads only the three headers the bridge uses
/// rather than building a header dictionary per request, and a malformed header line is skipped instead of ending the
/// subscription. The queue is bounded (<see cref="MeshHostOptions.MaxQueuedRequests"/>) and never makes the socket reader
/// wait: a request that finds it full is handed to the overflow handler (the bridge answers <c>not_available</c>), so
/// one agent's backlog cannot stall every other subscription of the connection, nor memory grow with a burst.
/// </summary>
internal sealed partial class MeshRequestSubscription : NatsSubBase
{
    private readonly Channel<MeshRequest> _requests;
    private readonly System.Text.Encoding _headerEncoding;
    private readonly Func<MeshRequest, ValueTask> _overflow;
    private readonly MeshRequestParts _parts;

    private MeshRequestSubscription(NatsConnection connection, string subject, string queueGroup, int capacity, Func<MeshRequest, ValueTask> overflow, bool allHeaders)
        : base(connection, connection.SubscriptionManager, subject, queueGroup, opts: null)
    {
        _headerEncoding = connection.Opts.HeaderEncoding;
        _overflow = overflow;
        _parts = allHeaders ? MeshRequestParts.AllHeaders : MeshRequestParts.Mesh;
        _requests = Channel.CreateBounded<MeshRequest>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
            SingleReader = true,
        });
    }

    public ChannelReader<MeshRequest> Requests => _requests.Reader;

    /// <summary>
    /// Subscribes; the subscription is live on the server when this returns (a PING after the SUB comes back after it).
    /// Up to <paramref name="capacity"/> requests wait in the queue; <paramref name="overflow"/> answers the others.
    /// With <paramref name="allHeaders"/> (middleware is registered) every header is kept.
    /// </summary>
    public static async Task<MeshRequestSubscription> SubscribeAsync(NatsConnection connection, string subject, string queueGroup,
        int capacity, Func<MeshRequest, ValueTask> overflow, bool allHeaders, CancellationToken ct)
    {
        var sub = new MeshRequestSubscription(connection, subject, queueGroup, capacity, overflow, allHeaders);
        await connection.AddSubAsync(sub, ct);
        await connection.PingAsync(ct);
        return sub;
    }

    /// <summary>
    /// Leaves the queue group without losing what is already on its way: NATS.Net's drain sends UNSUB, waits for the
    /// server to confirm it, and only then completes the queue, so requests that arrive meanwhile are still handled.
    /// Bounded: with the server gone, it just unsubscribes (and logs that the drain did not finish).
    /// </summary>
    public async Task LeaveAsync(TimeSpan timeout, ILogger logger)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await DrainAsync(deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or NatsException)
        {
            LogDrainIncomplete(logger, Subject, timeout.TotalSeconds, e);
        }
        finally
        {
            await UnsubscribeAsync(); // completes the queue if the drain could not
        }
    }

    protected override ValueTask ReceiveInternalAsync(string subject, string? replyTo, ReadOnlySequence<byte>? headersBuffer, ReadOnlySequence<byte> payloadBuffer)
    {
        // The trace context is read only while a tracer listens: without one it would be two strings per request for nothing.
        var parts = MeshDiagnostics.Source.HasListeners() ? _parts | MeshRequestParts.Trace : _parts;
        var request = MeshRequest.Read(replyTo, headersBuffer, payloadBuffer, _headerEncoding, parts);
        return _requests.Writer.TryWrite(request) ? default : _overflow(request);
    }

    protected override void TryComplete() => _requests.Writer.TryComplete();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leaving {Subject}: the drain did not finish within {Seconds:0.#} s; unsubscribed, requests still in flight to this host may be lost")]
    private static partial void LogDrainIncomplete(ILogger logger, string subject, double seconds, Exception exception);
}
