using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.SharedPlan;

#region SharedPlanWorker
/// <summary>
/// <c>dev.worker</c>: claims one task of the plan in <c>mesh-context</c>, works on it and marks it complete. Each step is
/// a compare-and-swap update (<see cref="MeshKeyValue.UpdateJsonAsync{T}"/>: read, change, write at the read revision,
/// retry on conflict), so concurrent workers never lose each other's changes. Stateless: every silo and core runs it.
/// </summary>
[Agent(Name, Description = "Claims a task of a shared plan, works on it and marks it complete (CAS on mesh-context).", Tags = ["cookbook"])]
public sealed class PlanWorkerAgent(MeshClient mesh, IMeshHost host) : Agent<TaskClaim, TaskResult>
{
    public const string Name = "dev.worker";

    /// <summary>How long the work between the two updates takes (the reference's 100 ms).</summary>
    public static readonly TimeSpan Work = TimeSpan.FromMilliseconds(100);

    protected override async Task<TaskResult> HandleAsync(TaskClaim input, AgentContext context)
    {
        await mesh.Kv.UpdateJsonAsync<Plan>(input.PlanId, plan => Required(plan, input)
            .With(input.TaskId, t => t with { Status = PlanTask.InProgress, AssignedTo = $"worker@{host.InstanceId}" }));
        await Task.Delay(Work);
        await mesh.Kv.UpdateJsonAsync<Plan>(input.PlanId, plan => Required(plan, input)
            .With(input.TaskId, t => t with { Status = PlanTask.Complete }));
        return new TaskResult(input.PlanId, input.TaskId, PlanTask.Complete);
    }

    private static Plan Required(Plan? plan, TaskClaim claim) =>
        plan is not null && plan.Tasks.Any(t => t.Id == claim.TaskId)
            ? plan
            : throw new MeshException("invalid_input", $"Plan '{claim.PlanId}' has no task '{claim.TaskId}'");
}
#endregion
