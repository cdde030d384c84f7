using System.Reflection;

namespace OamOrleans.Cookbook.Tests;

/// <summary>The sample's command line refuses what it cannot run, with a message that says what to do.</summary>
[Trait("Category", "Integration")]
public sealed class CookbookProgramTests
{
    private static readonly string SampleDll = typeof(CookbookProgramTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CookbookSampleDll").Value!;

    private static async Task<ChildProcess> RunAsync(string[] arguments, Dictionary<string, string>? environment = null)
    {
        var process = ChildProcess.Start(new ChildProcessOptions
        {
            Name = "the cookbook sample",
            Arguments = ["exec", SampleDll, .. arguments],
            Environment = environment ?? [],
        });
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), process.RecentOutput);
        return process;
    }

    [Fact]
    public async Task An_unknown_recipe_exits_2_listing_the_recipes()
    {
        await using var sample = await RunAsync(["no-such-recipe"]);

        Assert.Equal(2, sample.ExitCode);
        Assert.Contains("recipes: shared-plan, error-handling", sample.RecentOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_persona_team_without_a_model_exits_2_naming_the_settings()
    {
        await using var sample = await RunAsync(["persona-team"], new() { ["OAM_LLM_MODEL"] = "", ["OAM_LLM_ENDPOINT"] = "", ["OAM_LLM_API_KEY"] = "" });

        Assert.Equal(2, sample.ExitCode);
        Assert.Contains("the persona team needs a model: no model: set OAM_LLM_MODEL and OAM_LLM_ENDPOINT", sample.RecentOutput, StringComparison.Ordinal);
    }
}
