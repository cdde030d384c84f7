using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.ReactivePipeline;

/// <summary>What the run read back: the middle stage's record and the last stage's.</summary>
public sealed record PipelineRun(Extracted Extracted, Summary Summary);

/// <summary>
/// The reference's "reactive pipeline": call <c>pipeline.ingest</c> once, then follow the summary key with a watch (an
/// <see cref="IAsyncEnumerable{T}"/>) until the last stage has written it. Nobody calls the stages: they react to keys.
/// </summary>
public static class ReactivePipelineRecipe
{
    /// <summary>The body of the reference's docs: 13 words, 6 of them capitalised, 74 characters.</summary>
    public static readonly Document Sample = new(
        "doc-001", "Quarterly Report", "Revenue grew in Europe while Acme and Globex expanded into Asia and Africa.");

    public static async Task<PipelineRun> RunAsync(MeshClient mesh, Document? document = null, CancellationToken cancellationToken = default)
    {
        document ??= Sample;
        await mesh.CallAsync<Document>(IngestAgent.Name, document, cancellationToken: cancellationToken);
        Summary? summary = null;
        await foreach (var entry in mesh.Kv.WatchEntriesAsync(PipelineKeys.Summary(document.Id), cancellationToken: cancellationToken))
        {
            if (entry.Operation == KvOperation.Put && (summary = entry.Deserialize<Summary>()) is not null)
            {
                break;
            }
        }

        var extracted = await mesh.Kv.GetJsonAsync<Extracted>(PipelineKeys.Extracted(document.Id), cancellationToken);
        return new PipelineRun(extracted, summary!);
    }
}
