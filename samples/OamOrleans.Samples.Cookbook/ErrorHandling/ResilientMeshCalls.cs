using OamOrleans.Client;
using Polly;
using Polly.Registry;

namespace OamOrleans.Samples.Cookbook.ErrorHandling;

/// <summary>Calls agents through the pipelines of <see cref="MeshCallResilience"/>.</summary>
public sealed class ResilientMeshCalls(MeshClient mesh, ResiliencePipelineProvider<string> pipelines)
{
    /// <summary>Calls <paramref name="agent"/>, retrying its transient errors (<see cref="MeshCallResilience.Retry"/>).</summary>
    public async ValueTask<TOut> CallWithRetryAsync<TOut>(string agent, object? input, CancellationToken cancellationToken = default) =>
        await pipelines.GetPipeline(MeshCallResilience.Retry).ExecuteAsync(
            async token => await mesh.CallAsync<TOut>(agent, input, cancellationToken: token), cancellationToken);

    /// <summary>Calls <paramref name="agent"/> through the typed pipeline <paramref name="pipeline"/> (retries, fallbacks).</summary>
    public async ValueTask<TOut> CallAsync<TOut>(string pipeline, string agent, object? input, CancellationToken cancellationToken = default)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(MeshCallResilience.Input, input);
        context.Properties.Set(MeshCallResilience.Mesh, mesh);
        try
        {
            return await pipelines.GetPipeline<TOut>(pipeline).ExecuteAsync(
                async (ctx, target) => await mesh.CallAsync<TOut>(target, input, cancellationToken: ctx.CancellationToken), context, agent);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
