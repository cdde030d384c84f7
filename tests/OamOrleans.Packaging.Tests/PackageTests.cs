using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace OamOrleans.Packaging.Tests;

/// <summary>
/// What <c>dotnet pack OamOrleans.sln</c> makes: exactly the libraries of src/ and the oam tool, one version, each with
/// the metadata, readme, XML docs and symbols a consumer of a NuGet package expects.
/// </summary>
[Collection(PackageFeedCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PackageTests(PackageFeed feed)
{
    /// <summary>Every project under src/ (src/Shared holds linked source files, not a project).</summary>
    private static readonly string[] Libraries =
    [
        "OamOrleans.AdminUi", "OamOrleans.Cli", "OamOrleans.Client", "OamOrleans.Clustering.Nats", "OamOrleans.Hosting.Web",
        "OamOrleans.Mcp", "OamOrleans.McpServerAgents", "OamOrleans.Persistence.Nats", "OamOrleans.Protocol", "OamOrleans.Runtime",
    ];

    /// <summary>The libraries and the oam tool, and the dotnet new templates (templates/).</summary>
    private static readonly string[] Expected = [.. Libraries, "OamOrleans.Templates"];

    [Fact]
    public void The_solution_packs_exactly_the_libraries_and_the_tool_at_one_version()
    {
        var packages = Directory.GetFiles(feed.Directory, "*.nupkg").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToList();
        var version = Directory.GetFiles(Path.Combine(RepoPaths.RepoRoot, "src"), "*.csproj", SearchOption.AllDirectories).Length == Libraries.Length
            ? VersionOf(packages[0]!)
            : throw new InvalidOperationException("src/ has a project this test does not know: add it to Expected");
        Assert.Equal(Expected.Select(p => $"{p}.{version}"), packages);
        Assert.All(Libraries, p => Assert.True(File.Exists(Path.Combine(feed.Directory, $"{p}.{version}.snupkg")), $"{p}: no symbol package"));
    }

    public static TheoryData<string> Packages() => new(Expected);

    [Theory]
    [MemberData(nameof(Packages))]
    public void Each_package_has_its_metadata_readme_docs_and_sourcelink(string id)
    {
        var path = Directory.GetFiles(feed.Directory, $"{id}.*.nupkg").Single(f => VersionOf(Path.GetFileNameWithoutExtension(f)) is { Length: > 0 } && Path.GetFileName(f).StartsWith(id + ".", StringComparison.Ordinal) && char.IsDigit(Path.GetFileName(f)[id.Length + 1]));
        using var zip = ZipFile.OpenRead(path);
        var nuspec = XDocument.Load(zip.GetEntry($"{id}.nuspec")!.Open());
        var meta = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Get(string name) => meta.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        XElement? El(string name) => meta.Elements().SingleOrDefault(e => e.Name.LocalName == name);

        Assert.False(string.IsNullOrWhiteSpace(Get("description")), "no description");
        Assert.NotEqual("Package Description", Get("description"));
        Assert.Contains("openagentmesh", Get("tags") ?? "", StringComparison.Ordinal);
        Assert.Equal("expression", El("license")?.Attribute("type")?.Value);
        Assert.Equal("MIT", Get("license"));
        Assert.Equal("README.md", Get("readme"));
        var repository = El("repository");
        Assert.NotNull(repository);
        Assert.StartsWith("https://", repository!.Attribute("url")?.Value, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");

        var readme = new StreamReader(zip.GetEntry("README.md")!.Open()).ReadToEnd();
        Assert.Contains("## Install", readme, StringComparison.Ordinal);
        Assert.Contains("## Example", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("```csharp\n```", readme, StringComparison.Ordinal);  // a snippet region was filled in

        if (id == "OamOrleans.Templates")
        {
            Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "Template");
            var templateJson = new StreamReader(zip.GetEntry("content/oam-silo/.template.config/template.json")!.Open()).ReadToEnd();
            Assert.Contains($"\"defaultValue\": \"{VersionOf(Path.GetFileNameWithoutExtension(path))}\"", templateJson, StringComparison.Ordinal);
            Assert.DoesNotContain(zip.Entries, e => e.FullName.Contains("/bin/", StringComparison.Ordinal) || e.FullName.Contains("/obj/", StringComparison.Ordinal));
            return;
        }

        if (id == "OamOrleans.Cli")
        {
            Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "DotnetTool");
            return;
        }

        Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.xml"));
        var dll = zip.GetEntry($"lib/net10.0/{id}.dll")!;
        using var copy = new MemoryStream();
        dll.Open().CopyTo(copy);
        copy.Position = 0;
        using var pe = new PEReader(copy);
        Assert.True(pe.ReadDebugDirectory().Any(d => d.Type == DebugDirectoryEntryType.Reproducible), $"{id}: not a deterministic build");

        // SourceLink lives in the portable PDB of the symbol package.
        using var symbols = ZipFile.OpenRead(Path.ChangeExtension(path, ".snupkg"));
        var pdb = symbols.GetEntry($"lib/net10.0/{id}.pdb")!;
        using var pdbCopy = new MemoryStream();
        pdb.Open().CopyTo(pdbCopy);
        pdbCopy.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdbCopy);
        var reader = provider.GetMetadataReader();
        var sourceLink = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
        var json = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == sourceLink)
            .Select(c => System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value)))
            .SingleOrDefault();
        Assert.NotNull(json);
        Assert.Contains("https://raw.githubusercontent.com/", json, StringComparison.Ordinal);
    }

    private static string VersionOf(string fileName)
    {
        var parts = fileName.Split('.');
        var first = Array.FindIndex(parts, p => p.Length > 0 && char.IsDigit(p[0]));
        return first < 0 ? "" : string.Join('.', parts[first..]);
    }
}
