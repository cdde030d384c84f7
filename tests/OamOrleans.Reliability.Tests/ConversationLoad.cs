using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Reliability.Tests;

/// <summary>
/// Steady load on <c>demo.counter</c>: one caller per conversation, each sending its turns one after another. A turn
/// that fails (error, timeout, connection lost) is sent again with the same <c>X-Mesh-Request-Id</c> until it is
/// acknowledged, as an at-least-once caller does: so a turn whose reply was lost may be counted twice by the agent
/// (unless the agent recognises the repeated request id).
/// </summary>
internal sealed class ConversationLoad : IAsyncDisposable
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{}");

    private readonly INatsConnection _nats;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _callers;

    private ConversationLoad(INatsConnection nats, int conversations)
    {
        _nats = nats;
        Conversations = Enumerable.Range(0, conversations).Select(i => new Conversation($"restart-{i}-{MeshIds.New()[..8]}")).ToArray();
        _callers = Conversations.Select(c => Task.Run(() => RunAsync(c))).ToArray();
    }

    public IReadOnlyList<Conversation> Conversations { get; }

    public static ConversationLoad Start(INatsConnection nats, int conversations) => new(nats, conversations);

    /// <summary>Sends one turn (retried as the load does) and returns the count the agent acknowledged.</summary>
    public static async Task<int> TurnAsync(INatsConnection nats, string conversation, string requestId, TimeSpan timeout, CancellationToken ct)
    {
        var headers = new NatsHeaders { [MeshHeaders.RequestId] = requestId, [MeshHeaders.ConversationId] = conversation };
        var reply = await nats.RequestAsync<byte[], byte[]>(MeshSubjects.Agent("demo.counter"), Body, headers,
            replyOpts: new NatsSubOpts { Timeout = timeout }, cancellationToken: ct);
        if (reply.Headers is { } h && h.TryGetValue(MeshHeaders.Status, out var status) && status.ToString() == MeshHeaders.StatusError)
        {
            throw new InvalidOperationException(ErrorEnvelope.Parse(reply.Data ?? []).Message);
        }

        return JsonDocument.Parse(reply.Data ?? []).RootElement.GetProperty("count").GetInt32();
    }

    private async Task RunAsync(Conversation conversation)
    {
        while (!_stop.IsCancellationRequested)
        {
            // A turn is sent until it is acknowledged, even once the load is stopping: at the end no turn is left in
            // flight, so every turn the agent counted beyond the acknowledged ones was counted twice.
            var requestId = MeshIds.New();
            while (true)
            {
                try
                {
                    var count = await TurnAsync(_nats, conversation.Id, requestId, TimeSpan.FromSeconds(2), CancellationToken.None);
                    conversation.Acknowledged(count);
                    break;
                }
                catch (Exception)
                {
                    conversation.Failed();
                    await Task.Delay(50); // a pause between attempts, not a wait for a condition
                }
            }
        }
    }

    /// <summary>Stops starting turns and waits (up to 60 s) until every caller's last turn is acknowledged.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_callers).WaitAsync(TimeSpan.FromSeconds(60));
        _stop.Dispose();
    }

    internal sealed class Conversation(string id)
    {
        private readonly List<int> _counts = [];
        private long _failures;

        public string Id { get; } = id;

        /// <summary>The counts the agent acknowledged, in order.</summary>
        public IReadOnlyList<int> Counts
        {
            get
            {
                lock (_counts)
                {
                    return [.. _counts];
                }
            }
        }

        public int AcknowledgedTurns
        {
            get
            {
                lock (_counts)
                {
                    return _counts.Count;
                }
            }
        }

        public long Failures => Interlocked.Read(ref _failures);

        public void Acknowledged(int count)
        {
            lock (_counts)
            {
                _counts.Add(count);
            }
        }

        public void Failed() => Interlocked.Increment(ref _failures);
    }
}
