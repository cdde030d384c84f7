using System.Collections.Concurrent;

namespace OamOrleans.Interop.Tests;

/// <summary>Node.js helpers: <c>npm ci</c> once per package folder when its node_modules is missing, and <c>node</c> runs.</summary>
internal static class NodeTooling
{
    private static readonly ConcurrentDictionary<string, Lazy<Task>> Installs = new(StringComparer.Ordinal);

    /// <summary>Runs <c>npm ci</c> in <paramref name="packageDir"/> unless <c>node_modules/nats</c> is already there.</summary>
    public static Task EnsurePackagesAsync(string packageDir) =>
        Installs.GetOrAdd(Path.GetFullPath(packageDir), dir => new Lazy<Task>(() => InstallAsync(dir))).Value;

    private static async Task InstallAsync(string dir)
    {
        if (File.Exists(Path.Combine(dir, "node_modules", "nats", "package.json")))
        {
            return;
        }

        var result = await ExternalProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], dir, TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'npm ci' failed in {dir} (exit {result.ExitCode}):\n{result.Output}");
        }
    }

    /// <summary>Runs <c>node</c> with the mesh URL (and any extra variables) in the environment.</summary>
    public static Task<ExternalProcess.Result> NodeAsync(string workingDirectory, IEnumerable<string> arguments, string meshUrl, TimeSpan timeout, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var env = new Dictionary<string, string>(extraEnvironment ?? new Dictionary<string, string>())
        {
            ["OAM_URL"] = meshUrl,
            ["NO_COLOR"] = "1",
        };
        return ExternalProcess.RunAsync("node", arguments, workingDirectory, timeout, env);
    }
}
