using Microsoft.Extensions.Logging;

namespace OamOrleans.Samples.Cookbook.AgentLiveness;

public sealed record TaskIn(string Text);

public sealed record TaskOut(string Result);

/// <summary>
/// <c>worker.primary</c>: takes every job and never finishes it, in a host of its own (<c>dotnet run -- liveness-primary</c>),
/// so that killing that host while it holds a request shows the caller failing over.
/// </summary>
[Agent(Name, Description = "Takes a job and hangs (a host that is about to die).", Tags = ["cookbook"])]
public sealed partial class PrimaryWorkerAgent(ILogger<PrimaryWorkerAgent> log) : Agent<TaskIn, TaskOut>
{
    public const string Name = "worker.primary";

    /// <summary>What it logs (at warning, so the sample's console shows it) once it holds a job: kill the process now.</summary>
    public const string Holding = "worker.primary holds the job";

    protected override async Task<TaskOut> HandleAsync(TaskIn input, AgentContext context)
    {
        LogHolding(log, input.Text);
        await Task.Delay(TimeSpan.FromMinutes(10));
        return new TaskOut("primary:" + input.Text);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = Holding + " '{Text}': kill this process to see the caller fail over")]
    private static partial void LogHolding(ILogger logger, string text);
}

/// <summary><c>worker.fallback</c>: the backup that answers when the primary is gone.</summary>
[Agent(Name, Description = "Does the job when worker.primary is gone.", Tags = ["cookbook"])]
public sealed class FallbackWorkerAgent : Agent<TaskIn, TaskOut>
{
    public const string Name = "worker.fallback";

    protected override Task<TaskOut> HandleAsync(TaskIn input, AgentContext context) =>
        Task.FromResult(new TaskOut("fallback:" + input.Text));
}
