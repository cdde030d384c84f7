using System.Text;
using NATS.Client.Core;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>
/// A call's reply subject (<see cref="CallReplies.PendingCall"/>) on a real server: what an attempt's wait takes, what it
/// leaves, and that an answer never runs the caller's code on the connection's reader. Every notice and answer here is a
/// real NATS message; a ping after a publish waits until the server's answers to it have been read.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CallRepliesTests(NatsFixture fx) : IClassFixture<NatsFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _patience = new(Patience);
    private NatsConnection _nats = null!;
    private CallReplies _replies = null!;

    public async Task InitializeAsync()
    {
        _nats = fx.Server.Connect("call-replies-tests");
        await _nats.ConnectAsync();
        _replies = new CallReplies(_nats);
    }

    public async Task DisposeAsync()
    {
        await _replies.DisposeAsync();
        await _nats.DisposeAsync();
        _patience.Dispose();
    }

    [Fact]
    public async Task A_no_responders_notice_left_by_an_earlier_attempt_is_not_taken_by_the_next_attempt()
    {
        using var call = await _replies.StartAsync(CancellationToken.None);
        call.NextAttempt();
        await ExpireAsync(call); // the first attempt's wait ends with no answer
        await NoRespondersAsync(call); // and its notice comes after it

        call.NextAttempt();
        var waiting = call.AnswerAsync(_patience.Token).AsTask();
        await AnswerAsync(call, "second attempt");
        var answer = await waiting;

        Assert.False(answer.HasNoResponders);
        Assert.Equal("second attempt", Encoding.UTF8.GetString(answer.Data!));
    }

    [Fact]
    public async Task The_notice_of_the_current_attempt_is_taken_even_when_it_comes_before_the_wait()
    {
        using var call = await _replies.StartAsync(CancellationToken.None);
        call.NextAttempt();
        await NoRespondersAsync(call);

        var answer = await call.AnswerAsync(_patience.Token);

        Assert.True(answer.HasNoResponders);
    }

    [Fact]
    public async Task A_late_answer_to_an_earlier_attempt_is_kept_for_the_next_attempt()
    {
        using var call = await _replies.StartAsync(CancellationToken.None);
        call.NextAttempt();
        await ExpireAsync(call);
        await AnswerAsync(call, "first attempt");

        call.NextAttempt();
        var answer = await call.AnswerAsync(_patience.Token);

        Assert.Equal("first attempt", Encoding.UTF8.GetString(answer.Data!));
    }

    [Fact]
    public async Task While_nobody_waits_a_real_answer_takes_the_place_of_a_notice_and_the_first_real_answer_stays()
    {
        using var call = await _replies.StartAsync(CancellationToken.None);
        call.NextAttempt();
        await NoRespondersAsync(call);
        await AnswerAsync(call, "first");
        await AnswerAsync(call, "second");

        var answer = await call.AnswerAsync(_patience.Token);

        Assert.Equal("first", Encoding.UTF8.GetString(answer.Data!));
    }

    [Fact]
    public async Task A_wait_ended_by_its_token_raises_OperationCanceled_and_the_next_wait_gets_the_next_answer()
    {
        using var call = await _replies.StartAsync(CancellationToken.None);
        using var attempt = new CancellationTokenSource();
        var waiting = call.AnswerAsync(attempt.Token).AsTask();
        await attempt.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        var next = call.AnswerAsync(_patience.Token).AsTask();
        await AnswerAsync(call, "after the timeout");

        Assert.Equal(attempt.Token, e.CancellationToken);
        Assert.Equal("after the timeout", Encoding.UTF8.GetString((await next).Data!));
    }

    [Fact]
    public async Task An_answer_resumes_its_caller_off_the_connections_reader()
    {
        using var first = await _replies.StartAsync(CancellationToken.None);
        using var second = await _replies.StartAsync(CancellationToken.None);

        // The first caller blocks in its continuation until the second answer is read. Were that continuation run inline
        // on the connection's reader, the reader could never read the second answer.
        var blocked = ResumeAndBlockAsync(first.AnswerAsync(_patience.Token), second);
        await AnswerAsync(first, "one");
        await AnswerAsync(second, "two");

        Assert.Equal("two", await blocked.WaitAsync(Patience));
    }

    private async Task<string> ResumeAndBlockAsync(ValueTask<NatsMsg<byte[]>> answer, CallReplies.PendingCall next)
    {
        await answer.ConfigureAwait(false);
        var msg = next.AnswerAsync(_patience.Token).AsTask().GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(msg.Data!);
    }

    /// <summary>An attempt's wait that ends with no answer, as an attempt's timeout ends it.</summary>
    private static async Task ExpireAsync(CallReplies.PendingCall call)
    {
        using var expired = new CancellationTokenSource();
        await expired.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.AnswerAsync(expired.Token).AsTask());
    }

    /// <summary>A request to a subject nobody serves, answered to the call's subject: the server's no-responders notice.</summary>
    private async Task NoRespondersAsync(CallReplies.PendingCall call)
    {
        await _nats.PublishAsync($"nobody.{Guid.NewGuid():N}", "?"u8.ToArray(), replyTo: call.Subject);
        await _nats.PingAsync();
    }

    private async Task AnswerAsync(CallReplies.PendingCall call, string body)
    {
        await _nats.PublishAsync(call.Subject, Encoding.UTF8.GetBytes(body));
        await _nats.PingAsync();
    }
}
