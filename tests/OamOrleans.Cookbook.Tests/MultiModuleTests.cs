using OamOrleans.Samples.Agents;
using OamOrleans.Samples.Cookbook.ErrorHandling;

namespace OamOrleans.Cookbook.Tests;

/// <summary>
/// Recipe 2, multi-module.md: agents of two assemblies (the sample agents, scanned; the cookbook's, listed by its
/// extension) registered on one silo builder before it starts are all registered at start and all callable.
/// </summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MultiModuleTests(CookbookMesh mesh)
{
    [Fact]
    public async Task Agents_of_two_assemblies_added_before_start_are_in_the_catalog_and_answer()
    {
        var catalog = (await mesh.Client.CatalogAsync()).Select(e => e.Name).ToHashSet();
        Assert.Contains("demo.echo", catalog);
        Assert.Contains(BasicSummarizerAgent.Name, catalog);

        var echo = await mesh.Client.CallAsync<EchoOut>("demo.echo", new EchoIn("modules"));
        var summary = await mesh.Client.CallAsync<SummaryOut>(BasicSummarizerAgent.Name, new SummaryIn("AgentMesh modules"));
        Assert.Equal(("Echo: modules", "AgentMesh modules"), (echo.Reply, summary.Summary));
    }
}
