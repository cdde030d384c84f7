using System.Buffers;
using System.Threading.Channels;
using NATS.Client.Core;

namespace OamOrleans.Bridge;

/// <summary>
/// An agent's subscription (<c>mesh.agent.{name}</c> in queue group <c>q.{name}</c>) that hands the bridge
/// <see cref="MeshRequest"/>s instead of <see cref="NatsMsg{T}"/>s: it reads only the three headers the bridge uses
/// rather than building a header dictionary per request, and a malformed header cannot end the subscription.
/// The queue is bounded like NATS.Net's own (the connection's pending capacity and full mode).
/// </summary>
internal sealed class MeshRequestSubscription : NatsSubBase
{
    private readonly Channel<MeshRequest> _requests;
    private readonly System.Text.Encoding _headerEncoding;

    private MeshRequestSubscription(NatsConnection connection, string subject, string queueGroup)
        : base(connection, connection.SubscriptionManager, subject, queueGroup, opts: null)
    {
        _headerEncoding = connection.Opts.HeaderEncoding;
        _requests = Channel.CreateBounded<MeshRequest>(new BoundedChannelOptions(connection.Opts.SubPendingChannelCapacity)
        {
            FullMode = connection.Opts.SubPendingChannelFullMode,
            SingleWriter = true,
            SingleReader = true,
        });
    }

    public ChannelReader<MeshRequest> Requests => _requests.Reader;

    /// <summary>Subscribes; the subscription is live on the server when this returns.</summary>
    public static async Task<MeshRequestSubscription> SubscribeAsync(NatsConnection connection, string subject, string queueGroup, CancellationToken ct)
    {
        var sub = new MeshRequestSubscription(connection, subject, queueGroup);
        await connection.AddSubAsync(sub, ct);
        return sub;
    }

    protected override ValueTask ReceiveInternalAsync(string subject, string? replyTo, ReadOnlySequence<byte>? headersBuffer, ReadOnlySequence<byte> payloadBuffer)
    {
        var request = MeshRequest.Read(replyTo, headersBuffer, payloadBuffer, _headerEncoding);
        return _requests.Writer.TryWrite(request) ? default : _requests.Writer.WriteAsync(request);
    }

    protected override void TryComplete() => _requests.Writer.TryComplete();
}
