using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.LoadBalancing;

/// <summary>The reference's "automatic load balancing": many calls at once, and how many each silo served.</summary>
public static class LoadBalancingRecipe
{
    public static async Task<IReadOnlyList<TranslateOut>> RunAsync(MeshClient mesh, int calls = 10, CancellationToken cancellationToken = default) =>
        await Task.WhenAll(Enumerable.Range(0, calls).Select(i =>
            mesh.CallAsync<TranslateOut>(TranslatorAgent.Name, new TranslateIn($"Hello #{i}"), cancellationToken: cancellationToken).AsTask()));

    /// <summary>Requests per silo instance id.</summary>
    public static IReadOnlyDictionary<string, int> PerInstance(IEnumerable<TranslateOut> replies) =>
        replies.GroupBy(r => r.HandledBy).ToDictionary(g => g.Key, g => g.Count());
}
