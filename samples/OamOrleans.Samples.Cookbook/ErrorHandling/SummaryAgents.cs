using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.ErrorHandling;

public sealed record SummaryIn(string Text);

public sealed record SummaryOut(string Summary);

/// <summary>
/// Counts the calls for one text (the grain's key) across the cluster, for <see cref="FlakySummarizerAgent"/>: it stands in
/// for a model that fails now and then. The reference draws failures from a seeded random generator; a count makes the
/// transient failure certain to pass, whichever silo each attempt reaches.
/// </summary>
public interface ITransientFaultGrain : IGrainWithStringKey
{
    /// <summary>True for the first <see cref="TransientFaultGrain.FailuresPerText"/> calls.</summary>
    Task<bool> ShouldFailAsync();
}

public sealed class TransientFaultGrain : Grain, ITransientFaultGrain
{
    /// <summary>How many calls for one text fail before one succeeds.</summary>
    public const int FailuresPerText = 2;

    private int _calls;

    public Task<bool> ShouldFailAsync() => Task.FromResult(++_calls <= FailuresPerText);
}

/// <summary><c>nlp.summarizer</c>: a flaky summarizer; each text's first calls fail with <c>handler_error</c>.</summary>
[Agent(Name, Description = "Summarizes text; fails transiently (the first two calls for each text).", Tags = ["cookbook"])]
public sealed class FlakySummarizerAgent(IGrainFactory grains) : Agent<SummaryIn, SummaryOut>
{
    public const string Name = "nlp.summarizer";

    protected override async Task<SummaryOut> HandleAsync(SummaryIn input, AgentContext context) =>
        await grains.GetGrain<ITransientFaultGrain>(input.Text).ShouldFailAsync()
            ? throw new InvalidOperationException("model overloaded")   // reaches the caller as handler_error
            : new SummaryOut("Summary of: " + input.Text[..Math.Min(50, input.Text.Length)]);
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
