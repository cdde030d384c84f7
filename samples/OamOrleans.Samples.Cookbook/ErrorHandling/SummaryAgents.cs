using System.Collections.Concurrent;
using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.ErrorHandling;

public sealed record SummaryIn(string Text);

public sealed record SummaryOut(string Summary);

/// <summary>
/// Counts calls per text for <see cref="FlakySummarizerAgent"/>: it stands in for a model that fails now and then. The
/// reference draws failures from a seeded random generator; a count makes the transient failure certain to pass.
/// </summary>
public sealed class TransientFaults
{
    /// <summary>How many calls for one text fail before one succeeds.</summary>
    public const int FailuresPerText = 2;

    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    /// <summary>True for the first <see cref="FailuresPerText"/> calls with <paramref name="text"/>.</summary>
    public bool ShouldFail(string text) => _calls.AddOrUpdate(text, 1, (_, n) => n + 1) <= FailuresPerText;
}

/// <summary><c>nlp.summarizer</c>: a flaky summarizer; each text's first calls fail with <c>handler_error</c>.</summary>
[Agent(Name, Description = "Summarizes text; fails transiently (the first two calls for each text).", Tags = ["cookbook"])]
public sealed class FlakySummarizerAgent(TransientFaults faults) : Agent<SummaryIn, SummaryOut>
{
    public const string Name = "nlp.summarizer";

    protected override Task<SummaryOut> HandleAsync(SummaryIn input, AgentContext context) =>
        faults.ShouldFail(input.Text)
            ? throw new InvalidOperationException("model overloaded")   // reaches the caller as handler_error
            : Task.FromResult(new SummaryOut("Summary of: " + input.Text[..Math.Min(50, input.Text.Length)]));
}

/// <summary><c>nlp.basic-summarizer</c>: the fallback, a plain truncation that never fails.</summary>
[Agent(Name, Description = "Truncates text to 80 characters; the summarizer's fallback.", Tags = ["cookbook"])]
public sealed class BasicSummarizerAgent : Agent<SummaryIn, SummaryOut>
{
    public const string Name = "nlp.basic-summarizer";

    protected override Task<SummaryOut> HandleAsync(SummaryIn input, AgentContext context) =>
        Task.FromResult(new SummaryOut(input.Text.Length <= 80 ? input.Text : input.Text[..80] + "..."));
}

/// <summary><c>nlp.broken-summarizer</c>: always fails, as the reference's <c>broken</c> agent.</summary>
[Agent(Name, Description = "Always fails with handler_error (a primary that is down).", Tags = ["cookbook"])]
public sealed class BrokenSummarizerAgent : Agent<SummaryIn, SummaryOut>
{
    public const string Name = "nlp.broken-summarizer";

    protected override Task<SummaryOut> HandleAsync(SummaryIn input, AgentContext context) =>
        throw new MeshException("handler_error", "summarizer backend is down");
}
