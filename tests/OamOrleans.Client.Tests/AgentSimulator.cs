using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Client.Tests;

/// <summary>What a simulated agent sends back for one request.</summary>
internal sealed record SimReply(string? Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>No reply at all (for timeouts and fast-fail tests).</summary>
    public static readonly SimReply None = new(null, new Dictionary<string, string>());

    public bool IsNone => ReferenceEquals(this, None);
}

/// <summary>
/// A wire-level OpenAgentMesh agent simulator, the C# twin of the reference's <c>sdk-ts/tests/helpers/sim.ts</c>:
/// plain NATS.Net code (nothing of ours on the agent side) answering on <c>mesh.agent.{name}</c> with the exact reply
/// headers and envelopes of the reference Python host, and writing catalog/registry KV documents as raw JSON.
/// </summary>
internal sealed class AgentSimulator : IAsyncDisposable
{
    private readonly List<(INatsSub<byte[]> Sub, Task Loop)> _agents = [];

    private AgentSimulator(NatsConnection nats) => Nats = nats;

    /// <summary>The simulated host's instance id (what it stamps as <c>X-Mesh-Instance-Id</c>).</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public NatsConnection Nats { get; }

    public static async Task<AgentSimulator> StartAsync(NatsServer server)
    {
        var nats = server.Connect("sim-agent-host");
        await nats.ConnectAsync();
        return new AgentSimulator(nats);
    }

    /// <summary>A success reply exactly as the Python host sends it (status, source, request id, instance id).</summary>
    public SimReply Ok(string agent, string requestId, string? body, IReadOnlyDictionary<string, string>? extra = null)
    {
        var headers = new Dictionary<string, string>
        {
            [MeshHeaders.Status] = MeshHeaders.StatusOk,
            [MeshHeaders.Source] = agent,
            [MeshHeaders.RequestId] = requestId,
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            headers[k] = v;
        }

        headers[MeshHeaders.InstanceId] = InstanceId;
        return new SimReply(body, headers);
    }

    /// <summary>An error reply: Python <c>json.dumps</c> spacing, all five keys, no <c>X-Mesh-Source</c>.</summary>
    public SimReply Error(string requestId, string envelopeJson) => new(envelopeJson, new Dictionary<string, string>
    {
        [MeshHeaders.Status] = MeshHeaders.StatusError,
        [MeshHeaders.RequestId] = requestId,
        [MeshHeaders.InstanceId] = InstanceId,
    });

    public SimReply Error(string agent, string requestId, string code, string message, string detailsJson = "{}") =>
        Error(requestId, $$"""{"code": "{{code}}", "message": "{{message}}", "agent": "{{agent}}", "request_id": "{{requestId}}", "details": {{detailsJson}}}""");

    /// <summary>Serves <paramref name="name"/> with queue group <c>q.{name}</c>; every request is recorded in the returned agent.</summary>
    public async Task<SimAgent> ServeAsync(string name, Func<SimRequest, ValueTask<SimReply>> handler)
    {
        var sub = await Nats.SubscribeCoreAsync(MeshSubjects.Agent(name), MeshSubjects.QueueGroup(name), NatsRawSerializer<byte[]>.Default);
        var agent = new SimAgent(name);
        var loop = Task.Run(async () =>
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync())
            {
                var request = new SimRequest(msg);
                agent.Record(request);
                var reply = await handler(request);
                if (reply.IsNone || msg.ReplyTo is null)
                {
                    continue;
                }

                var headers = new NatsHeaders();
                foreach (var (k, v) in reply.Headers)
                {
                    headers[k] = v;
                }

                await Nats.PublishAsync(msg.ReplyTo, reply.Body is null ? [] : Encoding.UTF8.GetBytes(reply.Body), headers, serializer: NatsRawSerializer<byte[]>.Default);
            }
        });
        lock (_agents)
        {
            _agents.Add((sub, loop));
        }

        // The SUB must have reached the server before a test calls: a ping round trip guarantees it.
        await Nats.PingAsync();
        return agent;
    }

    /// <summary>A responder like the reference's <c>nlp.echo</c>: <c>{"message": s}</c> → <c>{"reply":"Echo: s"}</c>.</summary>
    public Task<SimAgent> ServeEchoAsync(string name) => ServeAsync(name, req =>
    {
        var message = System.Text.Json.JsonDocument.Parse(req.Body.Length == 0 ? "{}"u8.ToArray() : req.Body).RootElement
            .TryGetProperty("message", out var m) ? m.GetString() : null;
        return ValueTask.FromResult(Ok(name, req.RequestId, $$"""{"reply":"Echo: {{message}}"}"""));
    });

    /// <summary>Writes the catalog value (raw JSON text, as another SDK would).</summary>
    public async Task PutCatalogAsync(string json)
    {
        var store = await Store(MeshBuckets.Catalog);
        await store.PutAsync(CatalogDocument.Key, Encoding.UTF8.GetBytes(json), serializer: NatsRawSerializer<byte[]>.Default);
    }

    /// <summary>Writes a registry document (raw JSON text) under <paramref name="name"/>.</summary>
    public async Task PutContractAsync(string name, string json)
    {
        var store = await Store(MeshBuckets.Registry);
        await store.PutAsync(name, Encoding.UTF8.GetBytes(json), serializer: NatsRawSerializer<byte[]>.Default);
    }

    /// <summary>Publishes a death notice the way the host and the health monitor do: no headers, compact JSON.</summary>
    public async Task PublishDeathAsync(string agent, string reason = DeathNotice.Disconnect)
    {
        var body = $$"""{"agent":"{{agent}}","reason":"{{reason}}","detected_at":"{{MeshIds.Now()}}","instance_id":"{{InstanceId}}"}""";
        await Nats.PublishAsync(MeshSubjects.Death(agent), Encoding.UTF8.GetBytes(body), serializer: NatsRawSerializer<byte[]>.Default);
    }

    /// <summary>A stream chunk as the Python host sends it: Seq, End false, request id, instance id; compact JSON body.</summary>
    public Task PublishChunkAsync(string requestId, long seq, string body) =>
        PublishAsync(MeshSubjects.Stream(requestId), body, new()
        {
            [MeshHeaders.StreamSeq] = seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [MeshHeaders.StreamEnd] = MeshHeaders.False,
            [MeshHeaders.RequestId] = requestId,
        });

    /// <summary>The end frame: empty body, Seq = chunk count, End true, optional <c>X-Mesh-Usage</c>.</summary>
    public Task PublishEndAsync(string requestId, long count, string? usage = null)
    {
        var headers = new Dictionary<string, string>
        {
            [MeshHeaders.StreamSeq] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [MeshHeaders.StreamEnd] = MeshHeaders.True,
            [MeshHeaders.RequestId] = requestId,
        };
        if (usage is not null)
        {
            headers[MeshHeaders.Usage] = usage;
        }

        return PublishAsync(MeshSubjects.Stream(requestId), null, headers);
    }

    /// <summary>An error frame: envelope body, End true, Status error, request id, and no Seq.</summary>
    public Task PublishStreamErrorAsync(string requestId, string envelopeJson) =>
        PublishAsync(MeshSubjects.Stream(requestId), envelopeJson, new()
        {
            [MeshHeaders.StreamEnd] = MeshHeaders.True,
            [MeshHeaders.Status] = MeshHeaders.StatusError,
            [MeshHeaders.RequestId] = requestId,
        });

    /// <summary>A publisher event on <c>mesh.agent.{agent}.events</c>: Seq, End false, instance id, no request id.</summary>
    public Task PublishEventAsync(string agent, long seq, string body) =>
        PublishAsync(MeshSubjects.Events(agent), body, new()
        {
            [MeshHeaders.StreamSeq] = seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [MeshHeaders.StreamEnd] = MeshHeaders.False,
        });

    /// <summary>A publisher's end frame (empty body unless <paramref name="body"/>), Seq = count, End true.</summary>
    public Task PublishEventsEndAsync(string agent, long count, string? body = null) =>
        PublishAsync(MeshSubjects.Events(agent), body, new()
        {
            [MeshHeaders.StreamSeq] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [MeshHeaders.StreamEnd] = MeshHeaders.True,
        });

    /// <summary>A publisher's error frame: End true, Status error, handler_error envelope with request_id "".</summary>
    public Task PublishEventsErrorAsync(string agent, string message) =>
        PublishAsync(MeshSubjects.Events(agent),
            $$"""{"code": "handler_error", "message": "{{message}}", "agent": "{{agent}}", "request_id": "", "details": {} }""",
            new()
            {
                [MeshHeaders.StreamEnd] = MeshHeaders.True,
                [MeshHeaders.Status] = MeshHeaders.StatusError,
            });

    /// <summary>Publishes a message with the given headers (the instance id is added like the reference host does).</summary>
    public async Task PublishAsync(string subject, string? body, Dictionary<string, string> headers, string? replyTo = null)
    {
        var natsHeaders = new NatsHeaders();
        foreach (var (k, v) in headers)
        {
            natsHeaders[k] = v;
        }

        if (!natsHeaders.ContainsKey(MeshHeaders.InstanceId))
        {
            natsHeaders[MeshHeaders.InstanceId] = InstanceId;
        }

        await Nats.PublishAsync(subject, body is null ? [] : Encoding.UTF8.GetBytes(body), natsHeaders, replyTo, NatsRawSerializer<byte[]>.Default);
    }

    /// <summary>Waits until somebody subscribes to <paramref name="subject"/>.</summary>
    public Task WaitForInterestAsync(string subject, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => HasInterestAsync(subject), $"somebody subscribes to {subject}", timeout ?? TimeSpan.FromSeconds(10), interval: TimeSpan.FromMilliseconds(10));

    /// <summary>Waits until nobody subscribes to <paramref name="subject"/> any more (the opposite probe).</summary>
    public Task WaitForNoInterestAsync(string subject, TimeSpan? timeout = null) =>
        Poll.UntilAsync(async () => !await HasInterestAsync(subject), $"nobody subscribes to {subject} any more", timeout ?? TimeSpan.FromSeconds(10), interval: TimeSpan.Zero);

    /// <summary>
    /// An empty, header-less probe request: "no responders" while nobody listens; a reply, or a timeout (mesh subscribers
    /// ignore empty frames), once somebody does.
    /// </summary>
    private async Task<bool> HasInterestAsync(string subject)
    {
        try
        {
            await Nats.RequestAsync<byte[], byte[]>(subject, [], requestSerializer: NatsRawSerializer<byte[]>.Default, replySerializer: NatsRawSerializer<byte[]>.Default,
                replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromMilliseconds(150), ThrowIfNoResponders = true });
            return true;
        }
        catch (NatsNoRespondersException)
        {
            return false;
        }
        catch (NatsNoReplyException)
        {
            return true;
        }
    }

    private async Task<INatsKVStore> Store(string bucket)
    {
        var kv = Nats.CreateKeyValueStoreContext();
        try
        {
            return await kv.GetStoreAsync(bucket);
        }
        catch (NatsKVException)
        {
            return await kv.CreateStoreAsync(new NatsKVConfig(bucket) { History = 1 });
        }
        catch (NATS.Client.JetStream.NatsJSApiException)
        {
            return await kv.CreateStoreAsync(new NatsKVConfig(bucket) { History = 1 });
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (sub, loop) in _agents)
        {
            await sub.DisposeAsync();
            try
            {
                await loop.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
            }
        }

        await Nats.DisposeAsync();
    }
}

/// <summary>One request as the simulated agent saw it on the wire.</summary>
internal sealed class SimRequest(NatsMsg<byte[]> msg)
{
    public string Subject { get; } = msg.Subject;

    public string? ReplyTo { get; } = msg.ReplyTo;

    public NatsHeaders Headers { get; } = msg.Headers ?? [];

    public byte[] Body { get; } = msg.Data ?? [];

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string RequestId => Header(MeshHeaders.RequestId) ?? "";

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v.ToString() : null;
}

/// <summary>A simulated agent and the requests it received.</summary>
internal sealed class SimAgent(string name)
{
    private readonly Channel<SimRequest> _requests = Channel.CreateUnbounded<SimRequest>();
    private readonly ConcurrentQueue<SimRequest> _all = new();

    public string Name { get; } = name;

    public IReadOnlyCollection<SimRequest> Requests => _all;

    internal void Record(SimRequest request)
    {
        _all.Enqueue(request);
        _requests.Writer.TryWrite(request);
    }

    /// <summary>Waits for the next request (condition wait, not a sleep).</summary>
    public async Task<SimRequest> NextRequestAsync(TimeSpan? timeout = null) =>
        await _requests.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
}
