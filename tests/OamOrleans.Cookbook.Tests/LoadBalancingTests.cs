using OamOrleans.Samples.Cookbook.LoadBalancing;
using Xunit.Abstractions;

namespace OamOrleans.Cookbook.Tests;

/// <summary>Recipe 13, load-balancing.md: two silos host <c>nlp.translator</c>; the queue group spreads the calls over both.</summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class LoadBalancingTests(CookbookMesh mesh, ITestOutputHelper output)
{
    [Fact]
    public async Task Concurrent_calls_all_answer_and_spread_over_both_silos_under_one_catalog_entry()
    {
        // 20 calls: NATS picks a queue member per message, so all on one silo has odds of 2 in a million.
        var replies = await LoadBalancingRecipe.RunAsync(mesh.Client, calls: 20);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"[es] Hello #{i}"), replies.Select(r => r.Translated));
        var perInstance = LoadBalancingRecipe.PerInstance(replies);
        output.WriteLine(string.Join(", ", perInstance.Select(p => $"{p.Key}: {p.Value}")));
        Assert.Equal(new[] { mesh.First.Mesh.InstanceId, mesh.Second.Mesh.InstanceId }.Order(), perInstance.Keys.Order());
        Assert.Single(await mesh.Client.CatalogAsync(), e => e.Name == TranslatorAgent.Name);
    }
}
