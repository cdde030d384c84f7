using System.Diagnostics;
using System.Reflection;

namespace OamOrleans.AI.Tests;

/// <summary>The README's "tools for a model" sample (<c>samples/OamOrleans.Samples.Tools</c>) run as a process, without a model.</summary>
[Collection(AIMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ToolsSampleTests(AIMeshFixture mesh)
{
    private static readonly string Dll = typeof(ToolsSampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ToolsSampleDll").Value!;

    [Fact]
    public async Task Without_a_model_the_sample_lists_the_tools_and_calls_two_as_a_model_would()
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet", [Dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.Environment["OAM_URL"] = mesh.Url;
        psi.Environment["OAM_LLM_MODEL"] = "";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await stderr}");
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("tool demo_echo: Echoes a message.", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("tool demo_words", StringComparison.Ordinal));
        Assert.True(lines.Contains("demo_greet -> \"Hello, Ann\""), output);
        Assert.Single(lines, l => l.StartsWith("demo_fail  -> {\"error\":{\"code\":\"handler_error\"", StringComparison.Ordinal));
    }
}
