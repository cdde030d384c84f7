using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OamOrleans.Protocol;
using Polly;
using Polly.Fallback;
using Polly.Retry;

namespace OamOrleans.Samples.Cookbook.ErrorHandling;

/// <summary>
/// The recipe's retry and fallback as resilience pipelines in the service container (Microsoft.Extensions.Resilience on
/// Polly): the caller names a pipeline, the pipeline decides from the mesh error code whether to retry, fall back or
/// give up. <see cref="MeshClient"/>'s own retries already cover the transport (no reply, nobody serving for a moment);
/// these pipelines cover the agent's answers.
/// </summary>
public static class MeshCallResilience
{
    /// <summary>Retries transient agent errors: 3 attempts, 100 ms then 200 ms apart (the reference's backoff).</summary>
    public const string Retry = "mesh-retry";

    /// <summary>Summaries: retry <c>nlp.summarizer</c>'s transient errors, then fall back to <c>nlp.basic-summarizer</c>.</summary>
    public const string Summarize = "summarize";

    /// <summary>The input of the call, for a fallback that re-sends it to another agent.</summary>
    public static readonly ResiliencePropertyKey<object?> Input = new("oam.input");

    /// <summary><c>not_found</c> and <c>invalid_input</c> are the caller's faults: retrying cannot help.</summary>
    public static bool IsTransient(MeshException e) => e.Code is MeshErrorCodes.HandlerError or MeshErrorCodes.Timeout or MeshErrorCodes.NotAvailable;

    /// <summary>The agent failed or is not there: another agent may answer. Bad input would fail there too.</summary>
    public static bool AnotherAgentMayAnswer(MeshException e) =>
        e.Code is MeshErrorCodes.HandlerError or MeshErrorCodes.NotFound or MeshErrorCodes.AgentDied or MeshErrorCodes.NotAvailable;

    #region ResiliencePipelines
    /// <summary>Registers <see cref="Retry"/>, <see cref="Summarize"/> and <see cref="ResilientMeshCalls"/>.</summary>
    public static IServiceCollection AddMeshCallResilience(this IServiceCollection services)
    {
        services.AddResilienceEnricher();   // error.type and the exception's summary on every Polly event and metric
        services.AddResiliencePipeline(Retry, b => b.AddRetry(RetryOptions()));
        services.AddResiliencePipeline<string, SummaryOut>(Summarize, b => b
            .AddMeshFallback<SummaryOut>(BasicSummarizerAgent.Name)
            .AddRetry(RetryOptions<SummaryOut>()));
        services.AddSingleton<ResilientMeshCalls>();
        return services;
    }
    #endregion

    #region MeshFallback
    /// <summary>
    /// Falls back to <paramref name="fallbackAgent"/> (called with the same input, <see cref="Input"/>) when the primary's
    /// error says another agent may answer; any other error propagates.
    /// </summary>
    public static ResiliencePipelineBuilder<T> AddMeshFallback<T>(this ResiliencePipelineBuilder<T> builder, string fallbackAgent) =>
        builder.AddFallback(new FallbackStrategyOptions<T>
        {
            Name = $"fallback to {fallbackAgent}",
            ShouldHandle = new PredicateBuilder<T>().Handle<MeshException>(AnotherAgentMayAnswer),
            FallbackAction = async args =>
            {
                var mesh = args.Context.Properties.GetValue(Mesh, null) ?? throw new InvalidOperationException("call through ResilientMeshCalls");
                var input = args.Context.Properties.GetValue(Input, null);
                return Outcome.FromResult(await mesh.CallAsync<T>(fallbackAgent, input, cancellationToken: args.Context.CancellationToken));
            },
        });
    #endregion

    internal static readonly ResiliencePropertyKey<MeshClient?> Mesh = new("oam.mesh");

    private static RetryStrategyOptions RetryOptions() => new()
    {
        ShouldHandle = new PredicateBuilder().Handle<MeshException>(IsTransient),
        MaxRetryAttempts = 2,
        Delay = TimeSpan.FromMilliseconds(100),
        BackoffType = DelayBackoffType.Exponential,
    };

    private static RetryStrategyOptions<T> RetryOptions<T>() => new()
    {
        ShouldHandle = new PredicateBuilder<T>().Handle<MeshException>(IsTransient),
        MaxRetryAttempts = 2,
        Delay = TimeSpan.FromMilliseconds(100),
        BackoffType = DelayBackoffType.Exponential,
    };
}
