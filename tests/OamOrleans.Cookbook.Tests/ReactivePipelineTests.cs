using OamOrleans.Samples.Cookbook.ReactivePipeline;

namespace OamOrleans.Cookbook.Tests;

/// <summary>Recipe 14, reactive-pipeline.md: stages react to keys; nobody calls them.</summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ReactivePipelineTests(CookbookMesh mesh)
{
    [Fact]
    public async Task The_last_stage_sees_what_the_first_stage_wrote_and_every_intermediate_result_is_a_key()
    {
        var document = ReactivePipelineRecipe.Sample with { Id = CookbookMesh.Unique("doc") };

        var run = await ReactivePipelineRecipe.RunAsync(mesh.Client, document).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal((document.Id, 13), (run.Extracted.Id, run.Extracted.WordCount));
        Assert.Equal(["Revenue", "Europe", "Acme", "Globex", "Asia", "Africa."], run.Extracted.Entities);
        Assert.Equal(new Summary(document.Id, "Quarterly Report", document.Body, 6), run.Summary);
        Assert.Equal(document, await mesh.Client.Kv.GetJsonAsync<Document>(PipelineKeys.Raw(document.Id)));
    }

    [Fact]
    public async Task A_long_body_is_cut_to_80_characters_in_the_summary()
    {
        var body = string.Join(' ', Enumerable.Repeat("Words", 30));
        var document = new Document(CookbookMesh.Unique("doc"), "Long", body);

        var run = await ReactivePipelineRecipe.RunAsync(mesh.Client, document).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(body[..80] + "...", run.Summary.OneLiner);
        Assert.Equal(30, run.Summary.EntityCount);
    }
}
