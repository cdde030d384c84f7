using System.Collections.Concurrent;
using System.Threading.Channels;
using NATS.Client.Core;

namespace OamOrleans.Client;

/// <summary>
/// The reply subjects of a client's calls: one wildcard subscription (<c>{inbox}.*</c>, opened at the first call and
/// restored by NATS.Net after a reconnect) and one subject per call. A call keeps its subject across retries, so an answer
/// to an earlier attempt that comes late is still taken: the first answer wins, whichever attempt it belongs to.
/// </summary>
internal sealed class CallReplies(INatsConnection connection) : IAsyncDisposable
{
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private static readonly UnboundedChannelOptions OneReader = new() { SingleReader = true };

    private readonly string _prefix = connection.NewInbox();
    private readonly ConcurrentDictionary<string, ChannelWriter<NatsMsg<byte[]>>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribing = new(1, 1);
    private INatsSub<byte[]>? _subscription;
    private Task? _dispatch;
    private long _next;

    /// <summary>A reply subject of its own for one call, until the returned call is disposed.</summary>
    public async ValueTask<PendingCall> StartAsync(CancellationToken ct)
    {
        if (_subscription is null)
        {
            await SubscribeAsync(ct).ConfigureAwait(false);
        }

        var token = Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var channel = Channel.CreateUnbounded<NatsMsg<byte[]>>(OneReader);
        _pending[token] = channel.Writer;
        return new PendingCall(this, token, $"{_prefix}.{token}", channel.Reader);
    }

    private async ValueTask SubscribeAsync(CancellationToken ct)
    {
        await _subscribing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_subscription is null)
            {
                var subscription = await connection.SubscribeCoreAsync(_prefix + ".*", serializer: Raw, cancellationToken: ct).ConfigureAwait(false);
                _dispatch = Task.Run(() => DispatchAsync(subscription), CancellationToken.None);
                _subscription = subscription;
            }
        }
        finally
        {
            _subscribing.Release();
        }
    }

    private async Task DispatchAsync(INatsSub<byte[]> subscription)
    {
        var start = _prefix.Length + 1;
        await foreach (var msg in subscription.Msgs.ReadAllAsync().ConfigureAwait(false))
        {
            // An answer for a call that already ended (a late reply to an attempt that was retried) has no reader: dropped.
            if (msg.Subject.Length > start && _pending.TryGetValue(msg.Subject[start..], out var writer))
            {
                writer.TryWrite(msg);
            }
        }
    }

    private void End(string token) => _pending.TryRemove(token, out _);

    public async ValueTask DisposeAsync()
    {
        if (_subscription is { } subscription)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_dispatch is { } dispatch)
        {
            await dispatch.ConfigureAwait(false);
        }

        _subscribing.Dispose();
    }

    /// <summary>One call's reply subject and the answers that arrive on it (NATS no-responders notices included).</summary>
    internal sealed class PendingCall(CallReplies owner, string token, string subject, ChannelReader<NatsMsg<byte[]>> answers) : IDisposable
    {
        public string Subject { get; } = subject;

        public ChannelReader<NatsMsg<byte[]>> Answers { get; } = answers;

        public void Dispose() => owner.End(token);
    }
}
