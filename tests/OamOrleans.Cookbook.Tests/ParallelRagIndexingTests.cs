using OamOrleans.Samples.Cookbook.ParallelRagIndexing;

namespace OamOrleans.Cookbook.Tests;

/// <summary>Recipe 15, parallel-rag-indexing.md: the document in the workspace, indexing fanned out over both silos.</summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ParallelRagIndexingTests(CookbookMesh mesh)
{
    [Fact]
    public async Task Ten_paragraphs_in_four_chunks_are_indexed_once_each_and_the_workspace_object_is_deleted()
    {
        var key = "docs/" + CookbookMesh.Unique("report") + ".txt";
        await using var document = RagIndexingRecipe.SampleDocument(10);

        var run = await RagIndexingRecipe.RunAsync(mesh.Client, key, document);

        Assert.Equal([0, 1, 2, 3], run.Results.Select(r => r.ChunkIndex).Order());
        Assert.Equal([2, 2, 2, 4], run.Results.OrderBy(r => r.ChunkIndex).Select(r => r.NumEmbeddings));
        Assert.Equal(10, run.TotalEmbeddings);
        var indexed = (await mesh.First.Grains.GetGrain<IIndexCollectionGrain>(IndexerAgent.Collection).ListAsync())
            .Where(c => c.Id.StartsWith(key + "-", StringComparison.Ordinal)).ToList();
        Assert.Equal(10, indexed.Select(c => c.Id).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"Paragraph {i} of").ToHashSet(), indexed.Select(c => c.Text[..c.Text.IndexOf(" of", StringComparison.Ordinal)] + " of").ToHashSet());
        Assert.Null(await mesh.Client.Workspace.GetInfoAsync(key));
    }

    [Fact]
    public async Task The_collection_answers_a_query_with_the_paragraph_closest_to_it()
    {
        var key = "docs/" + CookbookMesh.Unique("report") + ".txt";
        await using var document = RagIndexingRecipe.SampleDocument(10);
        await RagIndexingRecipe.RunAsync(mesh.Client, key, document);

        var best = await mesh.Second.Grains.GetGrain<IIndexCollectionGrain>(IndexerAgent.Collection)
            .QueryAsync(Embeddings.Embed("Paragraph 7 of the quarterly report: revenue, costs and outlook for region 7."), 1, key);

        Assert.Equal($"{key}-3-0", Assert.Single(best));   // paragraph 7 is the first of the last chunk (paragraphs 7 to 10)
    }

    [Fact]
    public async Task A_chunk_index_outside_the_chunk_count_is_invalid_input()
    {
        var error = await Assert.ThrowsAsync<OamOrleans.Client.InvalidInputException>(async () =>
            await mesh.Client.CallAsync<IndexResult>(IndexerAgent.Name, new IndexRequest("docs/any.txt", 4, 4)));
        Assert.Contains("chunk_index", error.Message, StringComparison.Ordinal);
    }
}
