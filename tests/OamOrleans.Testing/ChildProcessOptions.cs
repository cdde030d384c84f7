namespace OamOrleans.Testing;

/// <summary>What a <see cref="ChildProcess"/> runs, and how it is stopped on dispose.</summary>
public sealed record ChildProcessOptions
{
    /// <summary>What the process is, as failure messages name it (e.g. <c>the silo</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The executable. Default: the dotnet host that runs the tests (<see cref="ChildProcess.Dotnet"/>).</summary>
    public string FileName { get; init; } = ChildProcess.Dotnet;

    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Variables set on top of the test process's own environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The working directory. Default (null): the test process's own.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Deletes <see cref="WorkingDirectory"/> on dispose: a temporary folder made for this process alone.</summary>
    public bool DeleteWorkingDirectory { get; init; }

    /// <summary>
    /// How dispose stops the process. Default (null): SIGKILL at once. Otherwise SIGTERM first, and SIGKILL only if the
    /// process is still running after this long.
    /// </summary>
    public TimeSpan? GracefulStopTimeout { get; init; }
}
