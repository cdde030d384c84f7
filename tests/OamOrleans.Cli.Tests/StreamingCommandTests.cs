using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// <c>oam agent stream|subscribe</c> against wire-level agents written here on plain NATS (a streamer and a publisher that
/// follow §5.1/§5.3 frame by frame and are registered in the registry and catalog), and the verb pre-flight hints
/// against the silo's responders.
/// </summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StreamingCommandTests(MeshFixture mesh)
{
    [Fact]
    public async Task Stream_from_the_silo_streamer_prints_each_word()
    {
        var r = await mesh.Oam("agent", "stream", "demo.words", """{"message":"to the mesh"}""");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("{\"text\": \"to\"}\n{\"text\": \"the\"}\n{\"text\": \"mesh\"}\n", r.Stdout);
    }

    [Fact]
    public async Task Subscribe_follows_the_silo_publisher()
    {
        await using var sub = OamInProcess.StartLong(["agent", "subscribe", "demo.ticker", "--json"], mesh.Url);
        await sub.WaitForAsync((o, _) => o.Split("\"n\": ").Length >= 3, TimeSpan.FromSeconds(30), "two ticks");
        Assert.StartsWith("{\n  \"n\": ", sub.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_prints_each_chunk_then_ends()
    {
        var name = "fake.words" + Suffix();
        await using var agent = await WireStreamer.StartAsync(mesh, name, ["alpha", "beta", "gamma"], failAfter: null);
        var r = await mesh.Oam("agent", "stream", name, """{"message":"alpha beta gamma"}""");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("{\"text\": \"alpha\"}\n{\"text\": \"beta\"}\n{\"text\": \"gamma\"}\n", r.Stdout);
        Assert.Equal("""{"message":"alpha beta gamma"}""", agent.LastRequest);
    }

    [Fact]
    public async Task Stream_error_frame_keeps_the_partial_output_and_exits_1()
    {
        var name = "fake.broken" + Suffix();
        await using var agent = await WireStreamer.StartAsync(mesh, name, ["one", "two", "three"], failAfter: 1);
        var r = await mesh.Oam("agent", "stream", name, "{}", "--json");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("{\n  \"text\": \"one\"\n}\n", r.Stdout);
        Assert.StartsWith("Error [handler_error] generator exploded", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_to_a_streamer_fails_before_sending_with_a_try_hint()
    {
        var name = "fake.hint" + Suffix();
        await using var agent = await WireStreamer.StartAsync(mesh, name, ["x"], failAfter: null);
        var r = await mesh.Oam("agent", "call", name, "{}");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"Error [invocation_mismatch] Agent '{name}' is streaming-only. Use stream() instead\n\nTry: oam agent stream {name}\n", r.Stderr);
        Assert.Null(agent.LastRequest);
    }

    [Fact]
    public async Task Stream_and_subscribe_to_a_responder_point_to_call()
    {
        var stream = await mesh.Oam("agent", "stream", "demo.echo", """{"message":"x"}""");
        Assert.Equal(1, stream.ExitCode);
        Assert.StartsWith("Error [invocation_mismatch] Agent 'demo.echo' does not support streaming. Use call() instead", stream.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("Try: oam agent call demo.echo\n", stream.Stderr, StringComparison.Ordinal);

        var subscribe = await mesh.Oam("agent", "subscribe", "demo.echo");
        Assert.Equal(1, subscribe.ExitCode);
        Assert.StartsWith("Error [invocation_mismatch] ", subscribe.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("Try: oam agent call demo.echo\n", subscribe.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_follows_events_until_the_end_frame()
    {
        var name = "fake.ticker" + Suffix();
        await using var nats = mesh.Nats.Connect();
        await nats.ConnectAsync();
        await RegisterAsync(nats, name, invocable: false, streaming: true);
        await using var sub = OamInProcess.StartLong(["agent", "subscribe", name], mesh.Url);
        var subject = MeshSubjects.Events(name);
        // Core NATS keeps no history: publish until the subscriber has seen an event, then end the stream.
        long seq = 0;
        await Poll.UntilAsync(async () =>
        {
            if (sub.Stdout.Contains("\"n\": ", StringComparison.Ordinal) || sub.HasExited)
            {
                return true;
            }

            await nats.PublishAsync(subject, System.Text.Encoding.UTF8.GetBytes($$"""{"n":{{seq}}}"""), headers: Frame(seq, end: false));
            seq++;
            return false;
        }, "oam agent subscribe prints an event", TimeSpan.FromSeconds(30), interval: TimeSpan.FromMilliseconds(100));

        await nats.PublishAsync(subject, Array.Empty<byte>(), headers: Frame(seq, end: true));
        var exit = await sub.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, sub.Stdout + "\n" + sub.Stderr);
        Assert.Matches("^\\{\"n\": \\d+\\}", sub.Stdout);
    }

    [Fact]
    public async Task Subscribe_to_an_unknown_agent_is_not_found()
    {
        var r = await mesh.Oam("agent", "subscribe", "nobody.publishes" + Suffix());
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Error [not_found] ", r.Stderr, StringComparison.Ordinal);
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private static NatsHeaders Frame(long seq, bool end) => new()
    {
        [MeshHeaders.StreamSeq] = seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [MeshHeaders.StreamEnd] = end ? MeshHeaders.True : MeshHeaders.False,
    };

    internal static async Task RegisterAsync(NatsConnection nats, string name, bool invocable, bool streaming)
    {
        var registry = await MeshRegistry.OpenAsync(nats);
        await registry.RegisterAsync(new AgentContract
        {
            Name = name,
            Description = "A wire-level test agent.",
            Invocable = invocable,
            Streaming = streaming,
            RegisteredAt = MeshIds.Now(),
        });
    }

    /// <summary>A streaming agent on plain NATS: answers each stream request with one chunk per word and an end frame (or an error frame).</summary>
    private sealed class WireStreamer : IAsyncDisposable
    {
        private readonly NatsConnection _nats;
        private readonly CancellationTokenSource _stop = new();
        private Task _serve = Task.CompletedTask;

        private WireStreamer(NatsConnection nats) => _nats = nats;

        public string? LastRequest { get; private set; }

        public static async Task<WireStreamer> StartAsync(MeshFixture mesh, string name, string[] words, int? failAfter)
        {
            var nats = mesh.Nats.Connect("wire-streamer");
            await nats.ConnectAsync();
            await RegisterAsync(nats, name, invocable: true, streaming: true);
            var agent = new WireStreamer(nats);
            var sub = await nats.SubscribeCoreAsync<byte[]>(MeshSubjects.Agent(name), queueGroup: MeshSubjects.QueueGroup(name));
            await nats.PingAsync();
            agent._serve = Task.Run(async () =>
            {
                await foreach (var msg in sub.Msgs.ReadAllAsync(agent._stop.Token))
                {
                    agent.LastRequest = System.Text.Encoding.UTF8.GetString(msg.Data ?? []);
                    var rid = msg.Headers?[MeshHeaders.RequestId].ToString() ?? "";
                    var target = MeshSubjects.Stream(rid);
                    for (var i = 0; i < words.Length; i++)
                    {
                        if (failAfter == i)
                        {
                            var envelope = new ErrorEnvelope(MeshErrorCodes.HandlerError, "generator exploded", name, rid).ToJsonBytes();
                            await nats.PublishAsync(target, envelope, headers: new NatsHeaders
                            {
                                [MeshHeaders.StreamEnd] = MeshHeaders.True,
                                [MeshHeaders.Status] = MeshHeaders.StatusError,
                                [MeshHeaders.RequestId] = rid,
                            });
                            goto next;
                        }

                        var chunk = System.Text.Encoding.UTF8.GetBytes($$"""{"text":"{{words[i]}}"}""");
                        var headers = Frame(i, end: false);
                        headers[MeshHeaders.RequestId] = rid;
                        await nats.PublishAsync(target, chunk, headers: headers);
                    }

                    var endHeaders = Frame(words.Length, end: true);
                    endHeaders[MeshHeaders.RequestId] = rid;
                    await nats.PublishAsync(target, Array.Empty<byte>(), headers: endHeaders);
                next:;
                }
            });
            return agent;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _serve;
            }
            catch (OperationCanceledException)
            {
            }

            await _nats.DisposeAsync();
            _stop.Dispose();
        }
    }
}
