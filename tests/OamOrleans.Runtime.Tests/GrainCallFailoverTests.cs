using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OamOrleans.Bridge;
using OamOrleans.Hosting;
using OamOrleans.Internal;
using OamOrleans.Protocol;
using Orleans.Runtime;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// How the invoke step tells a lost silo from everything else, with the exceptions Orleans 10 raises: a lost silo is
/// retried and, when the budget runs out, reported as <c>not_available</c> or <c>timeout</c>, never as the agent's fault.
/// </summary>
public sealed class GrainCallFailoverTests
{
    private static GrainCallFailover Failover(TimeSpan budget) =>
        new(Options.Create(new MeshHostOptions { FailoverRetryTimeout = budget }), NullLogger<GrainCallFailover>.Instance);

    public static TheoryData<Exception> SiloLosses() =>
    [
        new SiloUnavailableException("The target silo became unavailable for message: Request S127.0.0.1:11111 demo.counter/c1"),
        Rejection("Forwarding failed: tried to forward message Request #12 for 2 times after \"Non-existent activation\" to invalid activation. Rejecting now."),
        Rejection(
            "Exception while sending message: Orleans.Runtime.Messaging.ConnectionFailedException: Unable to connect to S127.0.0.1:41245:155168093",
            new Orleans.Runtime.Messaging.ConnectionFailedException("Unable to connect to endpoint S127.0.0.1:41245:155168093")),
    ];

    /// <summary>Orleans makes this exception itself (its constructors are internal): built the same way here.</summary>
    private static OrleansMessageRejectionException Rejection(string message, Exception? inner = null) =>
        (OrleansMessageRejectionException)Activator.CreateInstance(
            typeof(OrleansMessageRejectionException),
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public,
            binder: null,
            inner is null ? [message] : [message, inner],
            culture: null)!;

    [Theory]
    [MemberData(nameof(SiloLosses))]
    public async Task A_call_failing_on_a_lost_silo_is_retried_then_answered_not_available_naming_the_conversation(Exception loss)
    {
        var attempts = 0;
        var failed = await Assert.ThrowsAsync<GrainCallFailedException>(() => Failover(TimeSpan.FromMilliseconds(300)).CallAsync<AgentOutcome>("demo.counter", () =>
        {
            attempts++;
            throw loss;
        }));

        Assert.True(attempts > 1, $"retried {attempts - 1} times");
        var error = GrainCallFailover.ErrorFor("demo.counter", "c1", failed);
        Assert.Equal(MeshErrorCodes.NotAvailable, error.Error!.Code);
        Assert.Contains("the silo holding conversation 'c1' was lost", error.Error!.Message, StringComparison.Ordinal);
        Assert.Contains(loss.GetType().Name, error.Error!.Message, StringComparison.Ordinal);
        Assert.False(error.Delivered); // the pipeline still has to answer the caller
    }

    [Fact]
    public async Task A_call_that_fails_once_on_a_lost_silo_returns_the_next_attempts_answer()
    {
        var attempts = 0;
        var answer = await Failover(TimeSpan.FromSeconds(5)).CallAsync("demo.counter", () =>
            ++attempts == 1 ? throw new SiloUnavailableException("silo declared dead") : Task.FromResult(attempts));
        Assert.Equal(2, answer);
    }

    [Fact]
    public async Task An_unanswered_call_is_a_timeout_and_a_stateless_agent_is_not_called_a_conversation()
    {
        var failed = await Assert.ThrowsAsync<GrainCallFailedException>(() =>
            Failover(TimeSpan.Zero).CallAsync<AgentOutcome>("demo.echo", () => throw new TimeoutException("Response did not arrive on time in 00:00:30")));
        var error = GrainCallFailover.ErrorFor("demo.echo", conversation: null, failed);
        Assert.Equal(MeshErrorCodes.Timeout, error.Error!.Code);
        Assert.Contains("the silo running the call may have been lost", error.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_failures_are_not_retried_and_are_not_called_a_lost_silo()
    {
        var attempts = 0;
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Failover(TimeSpan.FromSeconds(5)).CallAsync<AgentOutcome>("demo.counter", () =>
        {
            attempts++;
            throw new InvalidOperationException("activation failed: storage 'oam-state' is not registered");
        }));

        Assert.Equal(1, attempts);
        var error = GrainCallFailover.ErrorFor("demo.counter", "c1", failure);
        Assert.Equal(MeshErrorCodes.HandlerError, error.Error!.Code);
        Assert.DoesNotContain("lost", error.Error!.Message, StringComparison.Ordinal);
    }
}
