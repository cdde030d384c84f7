using System.Text;
using System.Text.RegularExpressions;

namespace OamOrleans.Packaging.Tests;

/// <summary>
/// Every C# snippet of the README, docs/ and the package readmes is a <c>#region</c> of docs/snippets or of the cookbook
/// sample (projects of the solution, so the snippets compile with it): the line before each <c>```csharp</c> block names the region
/// (<c>&lt;!-- snippet: Name --&gt;</c>) and the block is the region's text. Run with <c>OAM_UPDATE_SNIPPETS=1</c> to
/// rewrite the blocks from the regions instead of checking them.
/// </summary>
public sealed partial class SnippetTests
{
    private static readonly string Root = RepoPaths.RepoRoot;

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (var file in MarkdownFiles())
        {
            data.Add(Path.GetRelativePath(Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_csharp_block_is_a_compiled_region(string document)
    {
        var regions = Regions();
        var path = Path.Combine(Root, document);
        var lines = File.ReadAllLines(path);
        var problems = new List<string>();
        var output = new List<string>();
        var changed = false;
        for (var i = 0; i < lines.Length; i++)
        {
            output.Add(lines[i]);
            if (lines[i].TrimEnd() != "```csharp")
            {
                continue;
            }

            var end = Array.FindIndex(lines, i + 1, l => l.TrimEnd() == "```");
            Assert.True(end > i, $"{document}:{i + 1}: the ```csharp block is not closed");
            var block = string.Join('\n', lines[(i + 1)..end]);
            var marker = i > 0 ? SnippetMarker().Match(lines[i - 1]) : Match.Empty;
            if (!marker.Success)
            {
                problems.Add($"{document}:{i + 1}: a ```csharp block without a '<!-- snippet: Name -->' line above it");
                output.AddRange(lines[(i + 1)..end]);
            }
            else if (!regions.TryGetValue(marker.Groups[1].Value, out var region))
            {
                problems.Add($"{document}:{i + 1}: no #region {marker.Groups[1].Value} in docs/snippets");
                output.AddRange(lines[(i + 1)..end]);
            }
            else
            {
                if (block != region)
                {
                    problems.Add($"{document}:{i + 1}: the block differs from #region {marker.Groups[1].Value}:\n--- doc\n{block}\n--- region\n{region}");
                    changed = true;
                }

                output.AddRange(region.Split('\n'));
            }

            output.Add(lines[end]);
            i = end;
        }

        if (changed && Environment.GetEnvironmentVariable("OAM_UPDATE_SNIPPETS") == "1")
        {
            File.WriteAllText(path, string.Join('\n', output) + "\n");
            problems.RemoveAll(p => p.Contains("differs from", StringComparison.Ordinal));
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    [Fact]
    public void The_documents_have_csharp_snippets_to_check()
    {
        var blocks = MarkdownFiles().Sum(f => File.ReadAllLines(f).Count(l => l.TrimEnd() == "```csharp"));
        Assert.True(blocks >= 10, $"only {blocks} ```csharp blocks found: is the search for documents broken?");
    }

    private static IEnumerable<string> MarkdownFiles()
    {
        yield return Path.Combine(Root, "README.md");
        foreach (var dir in new[] { "docs", "src", "templates" })
        {
            var full = Path.Combine(Root, dir);
            if (!Directory.Exists(full))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(full, "*.md", SearchOption.AllDirectories)
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                  && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                         .Order(StringComparer.Ordinal))
            {
                yield return file;
            }
        }
    }

    /// <summary>
    /// The files whose regions pages may show: docs/snippets/*.cs, and the cookbook sample, whose pages show its own code
    /// (one copy of each recipe, compiled and tested).
    /// </summary>
    private static IEnumerable<string> SnippetSources() =>
        Directory.EnumerateFiles(Path.Combine(Root, "docs", "snippets"), "*.cs", SearchOption.TopDirectoryOnly)
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "samples", "OamOrleans.Samples.Cookbook"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                         && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)));

    /// <summary>Every <c>#region Name</c> … <c>#endregion</c> of the <see cref="SnippetSources"/>, dedented; names are unique.</summary>
    private static Dictionary<string, string> Regions()
    {
        var regions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in SnippetSources())
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var start = RegionStart().Match(lines[i]);
                if (!start.Success)
                {
                    continue;
                }

                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "#endregion");
                Assert.True(end > i, $"{file}:{i + 1}: #region {start.Groups[1].Value} has no #endregion");
                var body = lines[(i + 1)..end];
                var indent = body.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
                var text = new StringBuilder();
                foreach (var line in body)
                {
                    text.Append(line.Length >= indent ? line[indent..] : line.TrimStart()).Append('\n');
                }

                Assert.True(regions.TryAdd(start.Groups[1].Value, text.ToString().TrimEnd('\n')), $"#region {start.Groups[1].Value} is defined twice");
                i = end;
            }
        }

        return regions;
    }

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*([A-Za-z0-9_.-]+)\s*-->\s*$")]
    private static partial Regex SnippetMarker();

    [GeneratedRegex(@"^\s*#region\s+([A-Za-z0-9_.-]+)\s*$")]
    private static partial Regex RegionStart();
}
