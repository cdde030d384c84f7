using Xunit;
using Xunit.Abstractions;

namespace OamOrleans.Interop.Tests;

/// <summary>The Node.js client sample (<c>samples/node-client</c>) runs against the real silo and prints what the README says.</summary>
[Collection(SiloCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NodeSampleTests(SiloFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task NodeClientSampleCallsEchoAndCounter()
    {
        var result = await NodeTooling.NodeAsync(InteropPaths.NodeSampleDir, ["client.mjs"], fixture.Url, TimeSpan.FromSeconds(60));
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"node client.mjs exited with {result.ExitCode}:\n{result.Output}");
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("demo.echo    -> Echo: hello from Node.js", lines);
        Assert.Equal(
            ["turn 1", "turn 2", "turn 3", "turn 4 (key from the input)"],
            lines.Where(l => l.StartsWith("demo.counter", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("turn", StringComparison.Ordinal))..]));
        Assert.Contains("demo.echo    -> invalid_input: Input should be a valid string", lines);
    }
}
