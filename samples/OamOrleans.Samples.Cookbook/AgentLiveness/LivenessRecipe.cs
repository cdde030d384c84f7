using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Samples.Cookbook.ErrorHandling;
using Polly;

namespace OamOrleans.Samples.Cookbook.AgentLiveness;

/// <summary>
/// The reference's "surviving agent failures": a call to <c>worker.primary</c> that fails with <c>agent_died</c> (its host
/// died holding the request: <see cref="MeshClient"/> races every call against <c>mesh.death.{name}</c>) or
/// <c>not_found</c> (it was gone already) is sent again to <c>worker.fallback</c>; a watchdog follows every death notice.
/// </summary>
public static class LivenessRecipe
{
    /// <summary>The pipeline: fall back to <c>worker.fallback</c> when the primary is gone (the same fallback as error handling).</summary>
    public const string Failover = "worker-failover";

    #region WorkerFailover
    public static IServiceCollection AddWorkerFailover(this IServiceCollection services) =>
        services.AddResiliencePipeline<string, TaskOut>(Failover, b => b.AddMeshFallback<TaskOut>(FallbackWorkerAgent.Name));

    /// <summary>Calls the primary with the reference's 30 s timeout; the fallback answers if the primary dies first.</summary>
    public static ValueTask<TaskOut> CallAsync(ResilientMeshCalls calls, string text, CancellationToken cancellationToken = default) =>
        calls.CallAsync<TaskOut>(Failover, PrimaryWorkerAgent.Name, new TaskIn(text), cancellationToken);
    #endregion

    #region DeathWatchdog
    /// <summary>The watchdog: every death notice on the mesh (or under <paramref name="channel"/>), as it is published.</summary>
    public static async IAsyncEnumerable<DeathNotice> WatchDeathsAsync(MeshClient mesh, string? channel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var subject = MeshSubjects.DeathPrefix + (channel is null ? ">" : channel + ".>");
        await foreach (var message in mesh.Connection.SubscribeAsync<byte[]>(subject, cancellationToken: cancellationToken))
        {
            yield return DeathNotice.Parse(message.Data);
        }
    }
    #endregion
}
