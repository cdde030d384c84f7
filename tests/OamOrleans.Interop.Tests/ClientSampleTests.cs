using Xunit;
using Xunit.Abstractions;

namespace OamOrleans.Interop.Tests;

/// <summary>The C# client sample (<c>samples/OamOrleans.Samples.Client</c>) runs against the real silo and prints what the README says.</summary>
[Collection(SiloCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ClientSampleTests(SiloFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task CSharpClientSampleCallsStreamsAndReportsATypedError()
    {
        var result = await ExternalProcess.RunAsync("dotnet", [InteropPaths.ClientSampleDll(), fixture.Url], InteropPaths.RepoRoot, TimeSpan.FromSeconds(60));
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"the C# sample exited with {result.ExitCode}:\n{result.Output}");
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("demo.echo   -> Echo: hello from C#", lines);
        Assert.Contains("demo.shout  -> ECHO: AGENTS CALL AGENTS!", lines);
        Assert.Equal(3, lines.Count(l => l.StartsWith("demo.counter -> turn", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("demo.counter -> turn 3 of sample-", StringComparison.Ordinal));
        Assert.Equal(5, lines.Count(l => l.StartsWith("demo.words  -> chunk", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("demo.words  usage: {\"input_tokens\":5", StringComparison.Ordinal));
        Assert.Contains("demo.fail   -> Error [handler_error] demo.fail refused 'please'", lines);
    }
}
