using System.Text.Json.Serialization;

namespace OamOrleans.Samples.Cookbook.ReactivePipeline;

public sealed record Document(string Id, string Title, string Body);

public sealed record Extracted(string Id, IReadOnlyList<string> Entities, [property: JsonPropertyName("word_count")] int WordCount);

public sealed record Summary(
    string Id,
    string Title,
    [property: JsonPropertyName("one_liner")] string OneLiner,
    [property: JsonPropertyName("entity_count")] int EntityCount);

/// <summary>The pipeline's keys in <c>mesh-context</c>: dot-separated, so that <c>pipeline.*.raw</c> matches every id.</summary>
public static class PipelineKeys
{
    public const string RawPattern = "pipeline.*.raw";
    public const string ExtractedPattern = "pipeline.*.extracted";

    public static string Raw(string id) => $"pipeline.{id}.raw";

    public static string Extracted(string id) => $"pipeline.{id}.extracted";

    public static string Summary(string id) => $"pipeline.{id}.summary";
}
