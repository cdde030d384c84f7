using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using NATS.Client.Core;

namespace OamOrleans.Client;

/// <summary>
/// The reply subjects of a client's calls: one wildcard subscription (<c>{inbox}.*</c>, opened at the first call and
/// restored by NATS.Net after a reconnect) and one subject per call. A call keeps its subject across retries, so an answer
/// to an earlier attempt that comes late is still taken: the first answer wins, whichever attempt it belongs to.
/// </summary>
internal sealed class CallReplies : IAsyncDisposable
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private static readonly UnboundedChannelOptions OneReader = new() { SingleReader = true };

    // Not NewInbox(): NATS.Net takes every message under its own inbox prefix for its request-reply muxer, so ours is a
    // sibling of it (same configured prefix, which permissions grant, another random token).
    private readonly INatsConnection _connection;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, ChannelWriter<NatsMsg<byte[]>>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChannelWriter<NatsMsg<byte[]>>>.AlternateLookup<ReadOnlySpan<char>> _pendingByToken;
    private Task? _subscribed;
    private INatsSub<byte[]>? _subscription;
    private NatsSubBase? _direct;
    private Task? _dispatch;
    private long _next;

    public CallReplies(INatsConnection connection)
    {
        _connection = connection;
        _prefix = $"{connection.Opts.InboxPrefix}.{Guid.NewGuid():N}";
        _pendingByToken = _pending.GetAlternateLookup<ReadOnlySpan<char>>(); // a reply's token is looked up without a substring
    }

    /// <summary>A reply subject of its own for one call, until the returned call is disposed.</summary>
    /// <remarks>The first call opens the subscription; while the client reconnects that waits, at most until <paramref name="ct"/>.</remarks>
    public async ValueTask<PendingCall> StartAsync(CancellationToken ct)
    {
        await Subscription().WaitAsync(ct).ConfigureAwait(false);
        var token = Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var channel = Channel.CreateUnbounded<NatsMsg<byte[]>>(OneReader);
        _pending[token] = channel.Writer;
        return new PendingCall(this, token, $"{_prefix}.{token}", channel.Reader);
    }

    /// <summary>The one subscription, opened once (again after a failed attempt to open it).</summary>
    private Task Subscription()
    {
        lock (_pending)
        {
            if (_subscribed is null || _subscribed.IsFaulted || _subscribed.IsCanceled)
            {
                _subscribed = SubscribeAsync();
            }

            return _subscribed;
        }
    }

    private async Task SubscribeAsync()
    {
        // Not a call's token: NATS.Net ends a subscription when the token it was opened with is cancelled.
        if (_connection is NatsConnection nats)
        {
            // Answers are handed to their call on the connection's reader, with no channel and loop of NATS.Net's in between.
            var direct = new ReplySubscription(nats, _prefix + ".*", Deliver);
            await nats.AddSubAsync(direct, CancellationToken.None).ConfigureAwait(false);
            _direct = direct;
            return;
        }

        var subscription = await _connection.SubscribeCoreAsync(_prefix + ".*", serializer: Raw, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        _subscription = subscription;
        _dispatch = Task.Run(() => DispatchAsync(subscription), CancellationToken.None);
    }

    private async Task DispatchAsync(INatsSub<byte[]> subscription)
    {
        await foreach (var msg in subscription.Msgs.ReadAllAsync().ConfigureAwait(false))
        {
            Deliver(msg);
        }
    }

    private void Deliver(NatsMsg<byte[]> msg)
    {
        // An answer for a call that already ended (a late reply to an attempt that was retried) has no reader: dropped.
        var start = _prefix.Length + 1;
        if (msg.Subject.Length > start && _pendingByToken.TryGetValue(msg.Subject.AsSpan(start), out var writer))
        {
            writer.TryWrite(msg);
        }
    }

    private void End(string token) => _pending.TryRemove(token, out _);

    public async ValueTask DisposeAsync()
    {
        if (_direct is { } direct)
        {
            await direct.DisposeAsync().ConfigureAwait(false);
        }

        if (_subscription is { } subscription)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_dispatch is { } dispatch)
        {
            await dispatch.ConfigureAwait(false);
        }

    }

    /// <summary>The wildcard reply subscription read straight off the socket: each answer goes to its call as it is parsed.</summary>
    private sealed class ReplySubscription(NatsConnection connection, string subject, Action<NatsMsg<byte[]>> deliver)
        : NatsSubBase(connection, connection.SubscriptionManager, subject, queueGroup: null, opts: null)
    {
        protected override ValueTask ReceiveInternalAsync(string subject, string? replyTo, ReadOnlySequence<byte>? headersBuffer, ReadOnlySequence<byte> payloadBuffer)
        {
            deliver(NatsMsg<byte[]>.Build(subject, replyTo, headersBuffer, payloadBuffer, connection, connection.HeaderParser, Raw));
            return default;
        }

        protected override void TryComplete()
        {
        }
    }

    /// <summary>One call's reply subject and the answers that arrive on it (NATS no-responders notices included).</summary>
    internal sealed class PendingCall(CallReplies owner, string token, string subject, ChannelReader<NatsMsg<byte[]>> answers) : IDisposable
    {
        public string Subject { get; } = subject;

        public ChannelReader<NatsMsg<byte[]>> Answers { get; } = answers;

        public void Dispose() => owner.End(token);
    }
}
