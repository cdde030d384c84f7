namespace OamOrleans.Packaging.Tests;

/// <summary>Runs a command to completion (git, dotnet) and returns its exit code and everything it printed.</summary>
internal static class Tool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var process = ChildProcess.Start(new ChildProcessOptions
        {
            Name = $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)}",
            FileName = fileName,
            Arguments = arguments,
            WorkingDirectory = workingDirectory,
            Environment = environment ?? new Dictionary<string, string>(),
        });
        if (!await process.WaitForExitAsync(timeout))
        {
            throw new TimeoutException($"{process.Name} did not finish within {timeout}:\n{process.RecentOutput}");
        }

        return (process.ExitCode, process.RecentOutput);
    }

    /// <summary>Runs the command and fails with its output unless it exits with 0.</summary>
    public static async Task<string> RunOkAsync(
        string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var (code, output) = await RunAsync(fileName, arguments, workingDirectory, timeout, environment);
        Assert.True(code == 0, $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {code}:\n{output}");
        return output;
    }
}
