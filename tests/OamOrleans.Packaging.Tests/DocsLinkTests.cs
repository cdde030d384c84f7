using System.Text.RegularExpressions;

namespace OamOrleans.Packaging.Tests;

/// <summary>
/// Every relative link of the README, docs/, the package readmes and the templates' readme points at a file of the
/// repository, and every <c>#anchor</c> into a Markdown page at one of its headings: pages moved, links did not rot.
/// </summary>
public sealed partial class DocsLinkTests
{
    private static readonly string Root = RepoPaths.RepoRoot;

    [Fact]
    public void Relative_links_and_anchors_resolve()
    {
        var documents = new[] { Path.Combine(Root, "README.md"), Path.Combine(Root, "templates", "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "src"), "README.md", SearchOption.AllDirectories))
            .ToList();
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var document in documents)
        {
            var text = CodeFence().Replace(File.ReadAllText(document), "");
            foreach (Match link in MarkdownLink().Matches(text))
            {
                var target = link.Groups[1].Value;
                if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal))
                {
                    continue;
                }

                checkedLinks++;
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? "" : target[(hash + 1)..];
                var file = path.Length == 0 ? document : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, path));
                if (!File.Exists(file) && !Directory.Exists(file))
                {
                    broken.Add($"{Path.GetRelativePath(Root, document)}: {target} (no such file)");
                }
                else if (anchor.Length > 0 && file.EndsWith(".md", StringComparison.Ordinal) && !Anchors(file).Contains(anchor))
                {
                    broken.Add($"{Path.GetRelativePath(Root, document)}: {target} (no such heading)");
                }
            }
        }

        Assert.True(checkedLinks > 20, $"only {checkedLinks} relative links found: is the link search broken?");
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.</summary>
    private static HashSet<string> Anchors(string file) =>
        Heading().Matches(CodeFence().Replace(File.ReadAllText(file), ""))
            .Select(m => NotAnchor().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"```.*?```", RegexOptions.Singleline)]
    private static partial Regex CodeFence();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#+ (.*)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex NotAnchor();
}
