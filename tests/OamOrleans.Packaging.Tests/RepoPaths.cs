using System.Reflection;

namespace OamOrleans.Packaging.Tests;

/// <summary>Where the repository is: baked in at build time, else found by walking up to <c>OamOrleans.sln</c>.</summary>
internal static class RepoPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        var baked = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "OamRepoRoot")?.Value;
        if (baked is not null && File.Exists(Path.Combine(baked, "OamOrleans.sln")))
        {
            return Path.TrimEndingDirectorySeparator(baked);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OamOrleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"OamOrleans.sln not found above {AppContext.BaseDirectory}");
    }
}
