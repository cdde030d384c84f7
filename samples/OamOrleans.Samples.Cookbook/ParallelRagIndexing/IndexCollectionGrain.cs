namespace OamOrleans.Samples.Cookbook.ParallelRagIndexing;

/// <summary>One indexed paragraph: <see cref="Id"/> is <c>{workspace key}-{chunk}-{i}</c>, so re-indexing replaces it.</summary>
[GenerateSerializer, Immutable]
public sealed record IndexedChunk([property: Id(0)] string Id, [property: Id(1)] string Text, [property: Id(2)] float[] Embedding);

/// <summary>
/// A vector collection as a grain (the reference uses a local ChromaDB): every silo's indexers add to the same
/// collection by grain call, with no NATS hop and no database to run. Adds are upserts by id.
/// </summary>
public interface IIndexCollectionGrain : IGrainWithStringKey
{
    Task UpsertAsync(IReadOnlyList<IndexedChunk> chunks);

    Task<IReadOnlyList<IndexedChunk>> ListAsync();

    /// <summary>The ids of the chunks closest to <paramref name="embedding"/> (cosine similarity), best first.</summary>
    /// <param name="document">Only the chunks of this workspace key; null: every document.</param>
    Task<IReadOnlyList<string>> QueryAsync(float[] embedding, int count, string? document = null);
}

/// <summary>In memory, for the sample; give it Orleans grain storage to keep the collection across restarts.</summary>
public sealed class IndexCollectionGrain : Grain, IIndexCollectionGrain
{
    private readonly Dictionary<string, IndexedChunk> _chunks = new(StringComparer.Ordinal);

    public Task UpsertAsync(IReadOnlyList<IndexedChunk> chunks)
    {
        foreach (var chunk in chunks)
        {
            _chunks[chunk.Id] = chunk;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<IndexedChunk>> ListAsync() => Task.FromResult<IReadOnlyList<IndexedChunk>>([.. _chunks.Values]);

    public Task<IReadOnlyList<string>> QueryAsync(float[] embedding, int count, string? document = null) =>
        Task.FromResult<IReadOnlyList<string>>([.. _chunks.Values
            .Where(c => document is null || c.Id.StartsWith(document + "-", StringComparison.Ordinal))
            .OrderByDescending(c => Embeddings.Cosine(c.Embedding, embedding))
            .Take(count)
            .Select(c => c.Id)]);
}
