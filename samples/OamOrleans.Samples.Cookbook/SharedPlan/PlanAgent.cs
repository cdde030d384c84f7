using System.Text.Json.Serialization;
using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.SharedPlan;

/// <param name="PlanId">The plan, which is also the conversation: one grain activation per plan.</param>
/// <param name="TaskId">The task to change; null only reads the plan.</param>
/// <param name="Status">The task's new status.</param>
/// <param name="Tasks">Creates the plan with these task ids when it has none yet.</param>
public sealed record PlanChange(
    [property: ConversationKey, JsonPropertyName("plan_id")] string PlanId,
    [property: JsonPropertyName("task_id")] string? TaskId = null,
    string? Status = null,
    [property: JsonPropertyName("assigned_to")] string? AssignedTo = null,
    IReadOnlyList<string>? Tasks = null);

/// <summary>The plan agent's state: the plan of its conversation.</summary>
public sealed class PlanState
{
    public Plan? Plan { get; set; }
}

#region SharedPlanAgent
/// <summary>
/// <c>dev.plan</c>, what Orleans adds to the recipe: the plan is the state of one conversation (one grain activation per
/// plan id) instead of a blackboard key. Turns of a conversation never race, so changes need no compare-and-swap and no
/// retry loop, and every change is saved before its reply leaves.
/// </summary>
[Agent(Name, Description = "Keeps one plan per conversation; changes to it are applied one at a time.", Tags = ["cookbook"])]
public sealed class PlanAgent : ConversationalAgent<PlanChange, Plan, PlanState>
{
    public const string Name = "dev.plan";

    protected override Task<Plan> HandleAsync(PlanChange input, AgentContext context)
    {
        var plan = State.Plan ??= new Plan(input.PlanId, [.. (input.Tasks ?? []).Select(id => new PlanTask(id, $"Task {id}"))]);
        if (input.TaskId is { } taskId)
        {
            if (plan.Tasks.All(t => t.Id != taskId))
            {
                throw new MeshException("invalid_input", $"Plan '{input.PlanId}' has no task '{taskId}'");
            }

            State.Plan = plan.With(taskId, t => t with { Status = input.Status ?? t.Status, AssignedTo = input.AssignedTo ?? t.AssignedTo });
        }

        return Task.FromResult(State.Plan);
    }
}
#endregion
