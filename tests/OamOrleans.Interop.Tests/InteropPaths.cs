using System.Reflection;

namespace OamOrleans.Interop.Tests;

/// <summary>Where the repository, the Node.js suite and the built silo are.</summary>
internal static class InteropPaths
{
    private static readonly string[] Configurations = ["Release", "Debug"];

    /// <summary>The repository root: baked in at build time, else found by walking up to <c>OamOrleans.sln</c>.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string NodeSuiteDir => Path.Combine(RepoRoot, "tests", "node");

    public static string NodeSampleDir => Path.Combine(RepoRoot, "samples", "node-client");

    /// <summary>
    /// <c>oam-silo.dll</c>: <c>OAM_SILO_DLL</c> if set; else the one built with this test assembly's configuration
    /// (the project reference builds it first); else the newest Debug/Release build.
    /// </summary>
    public static string SiloDll()
    {
        if (Environment.GetEnvironmentVariable("OAM_SILO_DLL") is { Length: > 0 } overridden)
        {
            return File.Exists(overridden) ? overridden : throw new FileNotFoundException($"OAM_SILO_DLL points to a missing file: {overridden}");
        }

        if (Metadata("OamSiloDll") is { } baked && File.Exists(baked))
        {
            return baked;
        }

        var candidates = Configurations
            .Select(c => Path.Combine(RepoRoot, "silo", "OamOrleans.Silo", "bin", c, "net10.0", "oam-silo.dll"))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .ToList();
        return candidates.Count > 0
            ? candidates[0]
            : throw new FileNotFoundException($"oam-silo.dll is not built: run 'dotnet build silo/OamOrleans.Silo' in {RepoRoot}");
    }

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
