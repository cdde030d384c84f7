namespace OamOrleans.Packaging.Tests;

/// <summary>
/// The packages of this repository: the folder <c>./test.sh</c> packed the solution into (<c>OAM_PACKAGES</c>), or, when
/// a test runs on its own, a fresh <c>dotnet pack OamOrleans.sln -c Release</c> into a temp folder, made once per run.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    private string? _temp;

    public string Directory { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("OAM_PACKAGES") is { Length: > 0 } packed && System.IO.Directory.Exists(packed))
        {
            Directory = packed;
            return;
        }

        _temp = System.IO.Directory.CreateTempSubdirectory("oam-feed-").FullName;
        await Tool.RunOkAsync(
            ChildProcess.Dotnet, ["pack", "OamOrleans.sln", "-c", "Release", "-o", _temp, "-tl:off", "-nologo"],
            RepoPaths.RepoRoot, TimeSpan.FromMinutes(20));
        Directory = _temp;
    }

    public Task DisposeAsync()
    {
        if (_temp is not null)
        {
            System.IO.Directory.Delete(_temp, recursive: true);
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class PackageFeedCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "package feed";
}
