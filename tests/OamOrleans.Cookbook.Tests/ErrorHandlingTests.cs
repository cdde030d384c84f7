using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Samples.Cookbook.ErrorHandling;

namespace OamOrleans.Cookbook.Tests;

/// <summary>Recipe 7, error-handling.md: retry transient errors, never caller faults; fall back; watch the dead letters.</summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ErrorHandlingTests(CookbookMesh mesh) : IDisposable
{
    private readonly ConcurrentQueue<string> _retries = new();
    private readonly MeterListener _polly = new();

    public void Dispose() => _polly.Dispose();

    /// <summary>Polly's own telemetry: one <c>OnRetry</c> event per retry, tagged with the pipeline's name.</summary>
    private void ListenToRetries()
    {
        _polly.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Polly" && instrument.Name == "resilience.polly.strategy.events")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _polly.SetMeasurementEventCallback<int>((_, _, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary(t => t.Key, t => t.Value as string);
            if (tagged.GetValueOrDefault("event.name") == "OnRetry")
            {
                _retries.Enqueue(tagged.GetValueOrDefault("pipeline.name") ?? "");
            }
        });
        _polly.Start();
    }

    [Fact]
    public async Task A_transient_handler_error_is_retried_until_the_summary_comes_and_each_failure_reaches_the_dead_letter_feed()
    {
        ListenToRetries();
        var text = "Transient failures are retried " + Guid.NewGuid();
        await using var monitor = await DeadLetters.StartAsync(mesh.Client);

        var summary = await mesh.Calls.CallWithRetryAsync<SummaryOut>(FlakySummarizerAgent.Name, new SummaryIn(text));

        Assert.Equal("Summary of: " + text[..50], summary.Summary);
        Assert.Equal(TransientFaultGrain.FailuresPerText, _retries.Count(p => p == MeshCallResilience.Retry));
        await Poll.UntilAsync(() => monitor.Seen.Count(e => e.Agent == FlakySummarizerAgent.Name) == TransientFaultGrain.FailuresPerText, "the monitor sees both failures");
        Assert.All(monitor.Seen.Where(e => e.Agent == FlakySummarizerAgent.Name), e =>
        {
            Assert.Equal(MeshErrorCodes.HandlerError, e.Code);
            Assert.Contains("model overloaded", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task An_absent_agent_fails_with_not_found_at_once_without_a_retry()
    {
        ListenToRetries();

        await Assert.ThrowsAsync<NotFoundException>(async () =>
            await mesh.Calls.CallWithRetryAsync<SummaryOut>("nlp.nonexistent", new SummaryIn("anyone?")));
        Assert.DoesNotContain(MeshCallResilience.Retry, _retries);
    }

    [Fact]
    public async Task Invalid_input_is_neither_retried_nor_sent_to_the_fallback()
    {
        ListenToRetries();

        await Assert.ThrowsAsync<InvalidInputException>(async () =>
            await mesh.Calls.CallAsync<SummaryOut>(MeshCallResilience.Summarize, FlakySummarizerAgent.Name, new { wrong = 1 }));
        Assert.DoesNotContain(MeshCallResilience.Summarize, _retries);
    }

    [Fact]
    public async Task When_the_primary_keeps_failing_the_fallback_agent_answers()
    {
        var text = "The primary is down; the basic summarizer answers instead.";

        var summary = await mesh.Calls.CallAsync<SummaryOut>(MeshCallResilience.Summarize, BrokenSummarizerAgent.Name, new SummaryIn(text));

        Assert.Equal(text, summary.Summary);   // nlp.basic-summarizer's answer: under 80 characters, as it was
    }

    /// <summary>The recipe's monitor running in the background, with a probe to know it is subscribed.</summary>
    private sealed class DeadLetters : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public ConcurrentQueue<ErrorEnvelope> Seen { get; } = new();

        public static async Task<DeadLetters> StartAsync(MeshClient mesh)
        {
            var monitor = new DeadLetters();
            monitor._loop = Task.Run(async () =>
            {
                await foreach (var envelope in ErrorMonitor.WatchAsync(mesh, cancellationToken: monitor._stop.Token))
                {
                    monitor.Seen.Enqueue(envelope);
                }
            });
            var probe = new ErrorEnvelope("probe", "is the monitor listening?", "cookbook.probe", MeshIds.New(), ErrorEnvelope.NoDetails);
            await Poll.UntilAsync(async () =>
            {
                await mesh.PublishAsync(MeshSubjects.Errors("cookbook.probe"), probe);
                return monitor.Seen.Any(e => e.Agent == "cookbook.probe");
            }, "the dead-letter monitor receives a probe", interval: TimeSpan.FromMilliseconds(50));
            return monitor;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }
    }
}
