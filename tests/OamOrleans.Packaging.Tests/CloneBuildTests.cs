using System.Text.RegularExpressions;

namespace OamOrleans.Packaging.Tests;

/// <summary>
/// A clone under a path that contains <c>/src/</c> (e.g. <c>~/src/OamOrleans</c>) builds with no warning: Directory.Build.props
/// selects libraries by their path relative to the repository root, not by the absolute path.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class CloneBuildTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("oam-clone-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>
    /// Clones this repository into <c>&lt;tmp&gt;/src/OamOrleans</c>, lays the working tree's uncommitted files over it (so
    /// the test checks the code under test, not the last commit), and builds a library with a test project that
    /// references it (or the whole solution with <c>OAM_CLONE_FULL_BUILD=1</c>). A full solution build takes minutes on a
    /// small machine: the pair is what the old check got wrong
    /// (the test project got the public-API analyzers, RS0016 on every public test class), and the library still has to
    /// get them.
    /// </summary>
    [Fact]
    public async Task A_clone_under_a_src_folder_builds_a_library_and_a_test_project_with_no_warning()
    {
        var clone = Path.Combine(_temp, "src", "OamOrleans");
        var repo = RepoPaths.RepoRoot;
        await Tool.RunOkAsync("git", ["clone", "--quiet", "--no-hardlinks", repo, clone], _temp, TimeSpan.FromMinutes(2));
        var changed = await Tool.RunOkAsync("git", ["ls-files", "--modified", "--others", "--exclude-standard"], repo, TimeSpan.FromMinutes(1));
        foreach (var relative in changed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var source = Path.Combine(repo, relative);
            if (File.Exists(source))
            {
                var target = Path.Combine(clone, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target, overwrite: true);
            }
        }

        // OAM_CLONE_FULL_BUILD=1 builds the whole solution instead (about 6 minutes on the 2-core machine).
        var buildTarget = Environment.GetEnvironmentVariable("OAM_CLONE_FULL_BUILD") == "1"
            ? "OamOrleans.sln"
            : "tests/OamOrleans.Protocol.Tests/OamOrleans.Protocol.Tests.csproj";
        var output = await Tool.RunOkAsync(
            ChildProcess.Dotnet,
            ["build", buildTarget, "-c", "Release", "-tl:off", "-nologo", "-p:UseSharedCompilation=false", "-nodeReuse:false"],
            clone, TimeSpan.FromMinutes(20));

        Assert.DoesNotContain("RS0016", output, StringComparison.Ordinal);
        Assert.Matches(WarningCount(), output);
        // The library still is one: its public-API analyzer ran (the property the build used says so).
        var library = await Tool.RunOkAsync(
            ChildProcess.Dotnet, ["msbuild", "src/OamOrleans.Protocol/OamOrleans.Protocol.csproj", "-getProperty:OamIsLibrary"],
            clone, TimeSpan.FromMinutes(2));
        var test = await Tool.RunOkAsync(
            ChildProcess.Dotnet, ["msbuild", "tests/OamOrleans.Protocol.Tests/OamOrleans.Protocol.Tests.csproj", "-getProperty:OamIsLibrary"],
            clone, TimeSpan.FromMinutes(2));
        Assert.Equal("true", library.Trim());
        Assert.Equal("false", test.Trim());
    }

    [GeneratedRegex(@"^\s*0 Warning\(s\)", RegexOptions.Multiline)]
    private static partial Regex WarningCount();
}
