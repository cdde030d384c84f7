using System.Text.Json.Serialization;
using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.ParallelRagIndexing;

public sealed record IndexRequest(
    [property: JsonPropertyName("workspace_key")] string WorkspaceKey,
    [property: JsonPropertyName("chunk_index")] int ChunkIndex,
    [property: JsonPropertyName("chunk_count")] int ChunkCount);

public sealed record IndexResult(
    [property: JsonPropertyName("chunk_index")] int ChunkIndex,
    [property: JsonPropertyName("num_embeddings")] int NumEmbeddings,
    string Collection);

/// <summary>
/// <c>rag.indexer</c>: streams the document from the workspace (<c>mesh-artifacts</c>), embeds its slice of paragraphs
/// and adds them to the <see cref="IIndexCollectionGrain"/>. Stateless: the requests of one fan-out spread over every
/// silo (queue group) and over the cores of each.
/// </summary>
[Agent(Name, Description = "Indexes one chunk of a workspace document into the collection.", Tags = ["cookbook", "rag"])]
public sealed class IndexerAgent(MeshClient mesh, IGrainFactory grains) : Agent<IndexRequest, IndexResult>
{
    public const string Name = "rag.indexer";

    public const string Collection = "docs";

    #region IndexerHandle
    protected override async Task<IndexResult> HandleAsync(IndexRequest input, AgentContext context)
    {
        if (input.ChunkCount < 1 || input.ChunkIndex < 0 || input.ChunkIndex >= input.ChunkCount)
        {
            throw new MeshException("invalid_input", $"chunk_index must be in [0, chunk_count), chunk_count at least 1; got {input.ChunkIndex} of {input.ChunkCount}");
        }

        using var document = new MemoryStream();
        await mesh.Workspace.GetAsync(input.WorkspaceKey, document);   // streamed in chunks from the object store
        document.Position = 0;
        var paragraphs = await Paragraphs.ReadAsync(document);
        var slice = Paragraphs.Slice(paragraphs, input.ChunkIndex, input.ChunkCount);
        if (slice.Count == 0)
        {
            return new IndexResult(input.ChunkIndex, 0, input.WorkspaceKey);   // the reference's quirk, kept
        }

        var chunks = slice.Select((text, i) => new IndexedChunk($"{input.WorkspaceKey}-{input.ChunkIndex}-{i}", text, Embeddings.Embed(text))).ToArray();
        await grains.GetGrain<IIndexCollectionGrain>(Collection).UpsertAsync(chunks);   // a grain call: no NATS hop
        return new IndexResult(input.ChunkIndex, chunks.Length, Collection);
    }
    #endregion
}
