using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using NATS.Client.Core;

namespace OamOrleans.Client;

/// <summary>
/// The reply subjects of a client's calls: one wildcard subscription (<c>{inbox}.*</c>, opened at the first call and
/// restored by NATS.Net after a reconnect) and one subject per call. A call keeps its subject across retries, so an answer
/// to an earlier attempt that comes late is still taken: the first answer wins, whichever attempt it belongs to. An answer
/// for a call that already ended is dropped.
/// </summary>
internal sealed class CallReplies : IAsyncDisposable
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;

    // Not NewInbox(): NATS.Net takes every message under its own inbox prefix for its request-reply muxer, so ours is a
    // sibling of it (same configured prefix, which permissions grant, another random token).
    private readonly INatsConnection _connection;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, PendingCall> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingCall>.AlternateLookup<ReadOnlySpan<char>> _pendingByToken;
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
        var call = new PendingCall(this, token, $"{_prefix}.{token}");
        _pending[token] = call;
        return call;
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
        if (msg.Subject.Length > start && _pendingByToken.TryGetValue(msg.Subject.AsSpan(start), out var call))
        {
            call.Deliver(msg);
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

    /// <summary>
    /// One call's reply subject and its answers (NATS no-responders notices included), awaited once per attempt with
    /// <see cref="AnswerAsync"/>. An answer that comes while no attempt waits (between the publish and the wait, or
    /// between two attempts) is kept for the next wait: one answer, or a real answer in place of a no-responders notice.
    /// </summary>
    internal sealed class PendingCall(CallReplies owner, string token, string subject) : IValueTaskSource<NatsMsg<byte[]>>, IDisposable
    {
        private readonly Lock _gate = new();

        // Answers are delivered on the connection's reader, so the caller's continuation is queued to the thread pool
        // (RunContinuationsAsynchronously) rather than run inline there, where it would hold up every later message of
        // the connection, replies of other calls included. One hop per call, as the channel this replaces made.
        private ManualResetValueTaskSourceCore<NatsMsg<byte[]>> _answer = new() { RunContinuationsAsynchronously = true };
        private NatsMsg<byte[]>? _kept;
        private bool _waiting;
        private CancellationTokenRegistration _cancellation;

        public string Subject { get; } = subject;

        /// <summary>
        /// Before an attempt sends the request: a no-responders notice kept from an earlier attempt is dropped, since it
        /// cannot be this attempt's (a real answer kept from an earlier attempt stays: the first answer wins).
        /// </summary>
        public void NextAttempt()
        {
            lock (_gate)
            {
                if (_kept is { HasNoResponders: true })
                {
                    _kept = null;
                }
            }
        }

        /// <summary>The next answer on the call's subject; <paramref name="ct"/> (the attempt's timeout or the call's deadline) ends the wait.</summary>
        public ValueTask<NatsMsg<byte[]>> AnswerAsync(CancellationToken ct)
        {
            short version;
            lock (_gate)
            {
                if (_kept is { } kept)
                {
                    _kept = null;
                    return ValueTask.FromResult(kept);
                }

                if (ct.IsCancellationRequested)
                {
                    return ValueTask.FromCanceled<NatsMsg<byte[]>>(ct);
                }

                _answer.Reset();
                version = _answer.Version;
                _waiting = true;
            }

            // Released in GetResult, once the wait has ended either way. Registered outside the lock: a token cancelled
            // meanwhile runs Cancel here, synchronously, which takes the lock.
            _cancellation = ct.UnsafeRegister(static (state, token) => ((PendingCall)state!).Cancel(token), this);
            return new ValueTask<NatsMsg<byte[]>>(this, version);
        }

        /// <summary>An answer from the reader: to the waiting attempt, else kept for the next wait.</summary>
        public void Deliver(NatsMsg<byte[]> msg)
        {
            lock (_gate)
            {
                if (_waiting)
                {
                    _waiting = false;
                    _answer.SetResult(msg);
                }
                else if (_kept is null || (_kept.Value.HasNoResponders && !msg.HasNoResponders))
                {
                    _kept = msg;
                }
            }
        }

        private void Cancel(CancellationToken ct)
        {
            lock (_gate)
            {
                if (_waiting)
                {
                    _waiting = false;
                    _answer.SetException(new OperationCanceledException(ct));
                }
            }
        }

        public NatsMsg<byte[]> GetResult(short version)
        {
            try
            {
                return _answer.GetResult(version);
            }
            finally
            {
                _cancellation.Dispose();
            }
        }

        public ValueTaskSourceStatus GetStatus(short version) => _answer.GetStatus(version);

        public void OnCompleted(Action<object?> continuation, object? state, short version, ValueTaskSourceOnCompletedFlags flags) =>
            _answer.OnCompleted(continuation, state, version, flags);

        public void Dispose() => owner.End(token);
    }
}
