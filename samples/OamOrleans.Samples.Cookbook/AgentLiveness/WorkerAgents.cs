namespace OamOrleans.Samples.Cookbook.AgentLiveness;

public sealed record TaskIn(string Text);

public sealed record TaskOut(string Result);

/// <summary>
/// <c>worker.primary</c>: takes every job and never finishes it, in a host of its own (<c>dotnet run -- liveness-primary</c>),
/// so that killing that host while it holds a request shows the caller failing over.
/// </summary>
[Agent(Name, Description = "Takes a job and hangs (a host that is about to die).", Tags = ["cookbook"])]
public sealed class PrimaryWorkerAgent : Agent<TaskIn, TaskOut>
{
    public const string Name = "worker.primary";

    protected override async Task<TaskOut> HandleAsync(TaskIn input, AgentContext context)
    {
        await Task.Delay(TimeSpan.FromMinutes(10));
        return new TaskOut("primary:" + input.Text);
    }
}

/// <summary><c>worker.fallback</c>: the backup that answers when the primary is gone.</summary>
[Agent(Name, Description = "Does the job when worker.primary is gone.", Tags = ["cookbook"])]
public sealed class FallbackWorkerAgent : Agent<TaskIn, TaskOut>
{
    public const string Name = "worker.fallback";

    protected override Task<TaskOut> HandleAsync(TaskIn input, AgentContext context) =>
        Task.FromResult(new TaskOut("fallback:" + input.Text));
}
