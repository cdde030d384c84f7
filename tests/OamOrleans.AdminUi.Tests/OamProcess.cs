using System.Reflection;

namespace OamOrleans.AdminUi.Tests;

/// <summary>The real <c>oam</c> tool as built by this build (<c>dotnet oam.dll …</c>), with no inherited mesh settings.</summary>
internal static class OamProcess
{
    public static string Dll { get; } = typeof(OamProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "OamCliDll").Value!;

    public static ChildProcessOptions Options(string name, IReadOnlyList<string> args, string? cwd = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["OAM_URL"] = "",
            ["OAM_CREDS"] = "",
            ["OAM_UI_HOST"] = "",
            ["OAM_HTTP_AUTH"] = "",
            ["OAM_HTTP_TOKEN_FILE"] = "",
            ["DOTNET_NOLOGO"] = "1",
        };
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return new ChildProcessOptions
        {
            Name = name,
            Arguments = [Dll, .. args],
            Environment = environment,
            WorkingDirectory = cwd ?? Directory.CreateTempSubdirectory("oam-ui-test-").FullName,
            DeleteWorkingDirectory = cwd is null,
            GracefulStopTimeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>Runs <c>oam args</c> to its end; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> args, string? cwd = null, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        await using var process = ChildProcess.Start(Options("oam " + string.Join(' ', args), args, cwd, env));
        if (!await process.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"oam {string.Join(' ', args)} did not finish:\n{process.RecentOutput}");
        }

        return (process.ExitCode, process.RecentOutput);
    }
}
