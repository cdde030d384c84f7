using Xunit;
using Xunit.Abstractions;

namespace OamOrleans.Interop.Tests;

/// <summary>
/// The Node.js foreign-client suite (<c>tests/node/*.test.mjs</c>, npm <c>nats</c> only, no code of ours) against
/// the real silo: one test case per file, run with <c>node --test</c>.
/// </summary>
[Collection(SiloCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NodeForeignClientTests(SiloFixture fixture, ITestOutputHelper output)
{
    public static TheoryData<string> SuiteFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(InteropPaths.NodeSuiteDir, "*.test.mjs").Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            data.Add(file!);
        }

        return data;
    }

    [Fact]
    public void TheSuiteHasFiles() =>
        Assert.True(SuiteFiles().Count >= 4, $"expected the Node.js suite in {InteropPaths.NodeSuiteDir}");

    [Theory]
    [MemberData(nameof(SuiteFiles))]
    public Task NodeSuiteFilePasses(string file) => RunAsync(fixture, output, file);

    /// <summary>Runs one file of the suite with <c>node --test</c> against <paramref name="fixture"/>'s silo.</summary>
    internal static async Task RunAsync(SiloFixture fixture, ITestOutputHelper output, string file)
    {
        var result = await NodeTooling.NodeAsync(
            InteropPaths.NodeSuiteDir,
            ["--test", "--test-reporter=spec", file],
            fixture.Url,
            TimeSpan.FromSeconds(90),
            new Dictionary<string, string> { ["OAM_NATS_MONITOR"] = fixture.MonitorUrl });
        output.WriteLine(result.Output);
        Assert.True(
            result.ExitCode == 0,
            $"node --test {file} exited with {result.ExitCode} after {result.Duration.TotalSeconds:0.0} s:\n{result.Output}\n--- silo (last lines) ---\n{fixture.Silo.RecentOutput}");
        Assert.False(fixture.Silo.HasExited, $"the silo exited during {file}:\n{fixture.Silo.RecentOutput}");
    }
}

/// <summary>The Node.js catalog and call files against a silo that joined a mesh whose buckets the reference SDK made.</summary>
[Collection(ReferenceBucketsSiloCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NodeForeignClientOnReferenceBucketsTests(ReferenceBucketsSiloFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData("catalog.test.mjs")]
    [InlineData("call.test.mjs")]
    public Task NodeSuiteFilePasses(string file) => NodeForeignClientTests.RunAsync(fixture, output, file);
}
