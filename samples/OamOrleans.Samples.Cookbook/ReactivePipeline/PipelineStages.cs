using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.ReactivePipeline;

/// <summary><c>pipeline.ingest</c>: the only callable stage; it writes the document to <c>pipeline.{id}.raw</c>.</summary>
[Agent(Name, Description = "Starts the reactive pipeline: writes a document to pipeline.{id}.raw.", Tags = ["cookbook"])]
public sealed class IngestAgent(MeshClient mesh) : Agent<Document, Document>
{
    public const string Name = "pipeline.ingest";

    protected override async Task<Document> HandleAsync(Document input, AgentContext context)
    {
        await mesh.Kv.PutJsonAsync(PipelineKeys.Raw(input.Id), input);
        return input;
    }
}

#region ExtractStage
/// <summary>
/// <c>pipeline.extract</c>: reacts to every <c>pipeline.*.raw</c> (current values first, then changes) and writes the
/// entities and word count to <c>pipeline.{id}.extracted</c>. Every silo runs this watch, so the write is an update that
/// leaves an unchanged value alone: the second silo's identical result writes nothing.
/// </summary>
[Agent(Name, Description = "Pipeline stage: pipeline.*.raw -> pipeline.*.extracted.", Tags = ["cookbook"])]
[KvSource(PipelineKeys.RawPattern)]
public sealed class ExtractStage(MeshClient mesh) : SourceAgent<Document>
{
    public const string Name = "pipeline.extract";

    protected override async Task HandleAsync(Document input, AgentContext context)
    {
        var words = input.Body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var extracted = new Extracted(input.Id, [.. words.Where(w => char.IsUpper(w[0]))], words.Length);
        await mesh.Kv.UpdateJsonAsync<Extracted>(PipelineKeys.Extracted(input.Id), _ => extracted);
    }
}
#endregion

/// <summary><c>pipeline.summarize</c>: reacts to <c>pipeline.*.extracted</c>, reads the raw document too, writes the summary.</summary>
[Agent(Name, Description = "Pipeline stage: pipeline.*.extracted (+ raw) -> pipeline.*.summary.", Tags = ["cookbook"])]
[KvSource(PipelineKeys.ExtractedPattern)]
public sealed class SummarizeStage(MeshClient mesh) : SourceAgent<Extracted>
{
    public const string Name = "pipeline.summarize";

    protected override async Task HandleAsync(Extracted input, AgentContext context)
    {
        var raw = await mesh.Kv.GetJsonAsync<Document>(PipelineKeys.Raw(input.Id));
        var oneLiner = raw.Body.Length <= 80 ? raw.Body : raw.Body[..80] + "...";
        var summary = new Summary(input.Id, raw.Title, oneLiner, input.Entities.Count);
        await mesh.Kv.UpdateJsonAsync<Summary>(PipelineKeys.Summary(input.Id), _ => summary);
    }
}
