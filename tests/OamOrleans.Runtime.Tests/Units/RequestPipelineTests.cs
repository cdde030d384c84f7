using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OamOrleans.Bridge;
using OamOrleans.Hosting;
using OamOrleans.Internal;
using OamOrleans.Middleware;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Runtime.Tests.Units;

/// <summary>
/// The <see cref="RequestPipeline"/>'s rules through its seams (<see cref="IAgentTurns"/>, <see cref="IMeshOutbox"/>),
/// with no server and no silo: every NATS caller is answered exactly once, whatever fails, and an overloaded agent
/// sheds with <c>not_available</c>.
/// </summary>
public sealed class RequestPipelineTests
{
    private static readonly AgentDescriptor Echo = AgentDescriptor.Create(typeof(EchoAgent), DateTimeOffset.UtcNow);
    private readonly Outbox _outbox = new();

    [Fact]
    public async Task A_reply_answers_its_caller_once_and_nothing_goes_to_mesh_errors()
    {
        var turns = new Turns { Outcome = _ => AgentOutcome.Reply("""{"reply":"Echo: hi"}"""u8.ToArray(), usage: null) };

        await Pipeline(turns).RunAsync(Call("r1", "_INBOX.a"));

        var answer = Assert.Single(_outbox.Answers);
        Assert.Equal(("_INBOX.a", "r1", "reply"), (answer.ReplyTo, answer.RequestId, answer.Kind));
    }

    [Fact]
    public async Task A_reply_that_cannot_be_sent_is_answered_once_with_handler_error()
    {
        _outbox.FailReplies = true;
        var turns = new Turns { Outcome = _ => AgentOutcome.Reply("""{"reply":"Echo: hi"}"""u8.ToArray(), usage: null) };

        var outcome = await Pipeline(turns).RunAsync(Call("r1", "_INBOX.a"));

        Assert.Equal(MeshErrorCodes.HandlerError, outcome.Error?.Code);
        var answer = Assert.Single(_outbox.Answers);
        Assert.Equal(("_INBOX.a", MeshErrorCodes.HandlerError), (answer.ReplyTo, answer.Kind));
    }

    [Fact]
    public async Task Invalid_input_is_refused_once_without_reaching_the_grain()
    {
        var turns = new Turns { Outcome = _ => throw new InvalidOperationException("must not be invoked") };

        await Pipeline(turns).RunAsync(Call("r1", "_INBOX.a", """{"message":5}"""));

        Assert.Equal(MeshErrorCodes.InvalidInput, Assert.Single(_outbox.Answers).Kind);
        Assert.Equal(0, turns.Invoked);
    }

    [Fact]
    public async Task A_batch_whose_grain_call_fails_answers_every_caller_of_the_batch_once()
    {
        var turns = new Turns { Batch = _ => throw new InvalidOperationException("grain call broke") };
        var calls = Enumerable.Range(0, 3).Select(i => Call($"r{i}", $"_INBOX.{i}")).ToArray();

        await Pipeline(turns).RunBatchAsync(calls, new BatchGauge());

        Assert.Equal(["_INBOX.0", "_INBOX.1", "_INBOX.2"], _outbox.Answers.Select(a => a.ReplyTo).Order());
        Assert.All(_outbox.Answers, a => Assert.Equal(MeshErrorCodes.HandlerError, a.Kind));
    }

    [Fact]
    public async Task In_a_batch_a_refused_request_gets_its_error_and_the_others_their_replies()
    {
        var turns = new Turns { Batch = requests => [.. requests.Select(_ => AgentOutcome.Reply("""{"reply":"ok"}"""u8.ToArray(), usage: null))] };
        var calls = new[] { Call("r0", "_INBOX.0"), Call("r1", "_INBOX.1", """{"message":5}"""), Call("r2", "_INBOX.2") };

        await Pipeline(turns).RunBatchAsync(calls, new BatchGauge());

        Assert.Equal(
            [("_INBOX.0", "reply"), ("_INBOX.1", MeshErrorCodes.InvalidInput), ("_INBOX.2", "reply")],
            _outbox.Answers.Select(a => (a.ReplyTo, a.Kind)).Order());
        Assert.Equal(2, turns.Batched);
    }

    [Fact]
    public async Task An_overloaded_agent_sheds_with_not_available_to_the_caller()
    {
        var shedder = new RequestShedder(_outbox, Options.Create(new MeshHostOptions { MaxQueuedRequests = 4 }), NullLogger<RequestShedder>.Instance);

        await shedder.ShedAsync(Echo, new MeshRequest("_INBOX.s", "r9", Conversation: null, Stream: false, Encoding.UTF8.GetBytes("""{"message":"hi"}""")));

        var answer = Assert.Single(_outbox.Answers);
        Assert.Equal(("_INBOX.s", "r9", MeshErrorCodes.NotAvailable), (answer.ReplyTo, answer.RequestId, answer.Kind));
        Assert.Contains("overloaded: 4 requests already wait", answer.Message);
    }

    [Fact]
    public async Task A_grains_own_turn_skips_the_checks_runs_in_place_once_through_middleware_and_answers_nobody_on_nats()
    {
        var turns = new Turns { Outcome = _ => throw new InvalidOperationException("an own turn runs in place, not through a grain call") };
        var seen = new List<string>();
        var middleware = new AgentMiddlewareRegistration(_ => new DelegateAgentMiddleware((invocation, next) =>
        {
            seen.Add($"{invocation.RequestId}/{invocation.ConversationId}/{invocation.OverNats}");
            return next();
        }));
        var ran = new List<AgentRequest>();
        // Not a valid echo input: an own turn's body is the grain's payload, never checked against the agent's schema.
        var call = AgentCall.Own(Echo, """{"message":5}"""u8.ToArray(), "reminder-1", "conv-1", TimeSpan.FromSeconds(5), (request, _) =>
        {
            ran.Add(request);
            return Task.FromResult(AgentOutcome.Reply("{}"u8.ToArray(), usage: null));
        });

        var outcome = await Pipeline(turns, middleware).RunAsync(call);

        Assert.False(outcome.IsError);
        var request = Assert.Single(ran);
        Assert.Equal(("reminder-1", "conv-1", null), (request.RequestId, request.ConversationId, request.ReplyTo));
        Assert.Equal(["reminder-1/conv-1/False"], seen);
        Assert.Equal(0, turns.Invoked);
        Assert.Empty(_outbox.Answers);
        Assert.True(call.Ended); // the record step ran: span, metrics and logs as for a request
    }

    private RequestPipeline Pipeline(IAgentTurns turns, params AgentMiddlewareRegistration[] middleware) => new(
        turns,
        _outbox,
        new ObservabilityGate(_outbox, NullLogger<ObservabilityGate>.Instance),
        new AgentMiddlewareChain(middleware, new ServiceCollection().BuildServiceProvider(), NullLogger<AgentMiddlewareChain>.Instance),
        Options.Create(new MeshHostOptions()),
        NullLogger<RequestPipeline>.Instance);

    private static AgentCall Call(string requestId, string replyTo, string body = """{"message":"hi"}""") =>
        AgentCall.FromNats(Echo, new MeshRequest(replyTo, requestId, Conversation: null, Stream: false, Encoding.UTF8.GetBytes(body)), RequestLimits.From(new MeshHostOptions()));

    /// <summary>The grains' side: what each turn returns (or throws), and how often it was asked.</summary>
    private sealed class Turns : IAgentTurns
    {
        private int _invoked;
        private int _batched;

        public Func<AgentRequest, AgentOutcome> Outcome { get; init; } = _ => throw new InvalidOperationException("no single turns expected");

        public Func<AgentRequest[], AgentOutcome[]> Batch { get; init; } = _ => throw new InvalidOperationException("no batch expected");

        public int Invoked => _invoked;

        public int Batched => _batched;

        public Task<AgentOutcome> InvokeAsync(AgentDescriptor agent, AgentRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _invoked);
            return Task.FromResult(Outcome(request));
        }

        public Task<AgentOutcome[]> InvokeBatchAsync(AgentDescriptor agent, AgentRequest[] requests, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _batched, requests.Length);
            return Task.FromResult(Batch(requests));
        }

        public Task<AgentOutcome> StreamAsync(AgentDescriptor agent, AgentRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no streams expected");
    }

    /// <summary>What would have gone out on NATS: every answer to a caller (a reply or an error code).</summary>
    private sealed class Outbox : IMeshOutbox
    {
        private readonly ConcurrentQueue<Answer> _answers = new();

        public bool FailReplies { get; set; }

        public IReadOnlyList<Answer> Answers => [.. _answers];

        public int MaxBody => 1024 * 1024;

        public ValueTask ReplyAsync(string replyTo, string agent, string requestId, string? conversation, byte[] body, string? usage)
        {
            if (FailReplies)
            {
                throw new InvalidOperationException("the connection is gone");
            }

            _answers.Enqueue(new Answer(replyTo, requestId, "reply", Encoding.UTF8.GetString(body)));
            return ValueTask.CompletedTask;
        }

        public ValueTask ErrorToCallerAsync(ErrorEnvelope error, string requestId, string? replyTo, bool stream, string? conversation)
        {
            _answers.Enqueue(new Answer(replyTo, requestId, error.Code, error.Message));
            return ValueTask.CompletedTask;
        }

        public ValueTask LogAsync(LogEvent log) => ValueTask.CompletedTask;
    }

    private sealed record Answer(string? ReplyTo, string RequestId, string Kind, string Message);
}
