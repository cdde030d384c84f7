using System.Text;
using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.ParallelRagIndexing;

/// <summary>What one indexing run returned.</summary>
public sealed record RagIndexingRun(IReadOnlyList<IndexResult> Results, int TotalEmbeddings);

/// <summary>
/// The reference's "parallel RAG indexing": put the document into the workspace as a stream, fan
/// <see cref="ChunkCount"/> calls out to <c>rag.indexer</c> at once, sum the results and delete the document.
/// </summary>
public static class RagIndexingRecipe
{
    public const int ChunkCount = 4;

    #region RagFanOut
    public static async Task<RagIndexingRun> RunAsync(MeshClient mesh, string workspaceKey, Stream document, CancellationToken cancellationToken = default)
    {
        await mesh.Workspace.PutAsync(workspaceKey, document, cancellationToken: cancellationToken);
        try
        {
            var results = await Task.WhenAll(Enumerable.Range(0, ChunkCount).Select(i =>
                mesh.CallAsync<IndexResult>(IndexerAgent.Name, new IndexRequest(workspaceKey, i, ChunkCount), cancellationToken: cancellationToken).AsTask()));
            return new RagIndexingRun(results, results.Sum(r => r.NumEmbeddings));
        }
        finally
        {
            await mesh.Workspace.DeleteAsync(workspaceKey, CancellationToken.None);
        }
    }
    #endregion

    /// <summary>A document of <paramref name="paragraphs"/> paragraphs, as a stream.</summary>
    public static Stream SampleDocument(int paragraphs) => new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n\n",
        Enumerable.Range(1, paragraphs).Select(i => $"Paragraph {i} of the quarterly report: revenue, costs and outlook for region {i}."))));
}
