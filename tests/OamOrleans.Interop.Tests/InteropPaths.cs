using System.Reflection;

namespace OamOrleans.Interop.Tests;

/// <summary>Where the repository, the Node.js suite and the client sample are.</summary>
internal static class InteropPaths
{
    /// <summary>The repository root: baked in at build time, else found by walking up to <c>OamOrleans.sln</c>.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string NodeSuiteDir => Path.Combine(RepoRoot, "tests", "node");

    public static string NodeSampleDir => Path.Combine(RepoRoot, "samples", "node-client");

    /// <summary>The C# client sample, built with this test assembly's configuration (the project reference builds it first).</summary>
    public static string ClientSampleDll() =>
        Metadata("OamClientSampleDll") is { } baked && File.Exists(baked)
            ? baked
            : throw new FileNotFoundException($"OamOrleans.Samples.Client.dll is not built: run 'dotnet build samples/OamOrleans.Samples.Client' in {RepoRoot}");

    private static string FindRepoRoot()
    {
        if (Metadata("OamRepoRoot") is { } baked && File.Exists(Path.Combine(baked, "OamOrleans.sln")))
        {
            return baked;
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

    private static string? Metadata(string key) =>
        typeof(InteropPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
}
