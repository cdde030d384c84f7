using System.Text.Json.Serialization;

namespace OamOrleans.Samples.Cookbook.SharedPlan;

/// <summary>One task of the shared plan; <see cref="Status"/> moves pending → in-progress → complete.</summary>
[GenerateSerializer]
public sealed record PlanTask(
    [property: Id(0)] string Id,
    [property: Id(1)] string Description,
    [property: Id(2)] string Status = PlanTask.Pending,
    [property: Id(3), JsonPropertyName("assigned_to")] string? AssignedTo = null)
{
    public const string Pending = "pending";
    public const string InProgress = "in-progress";
    public const string Complete = "complete";
}

/// <summary>The plan document, as the reference keeps it under <c>plan-001</c> in <c>mesh-context</c>.</summary>
[GenerateSerializer]
public sealed record Plan([property: Id(0)] string Id, [property: Id(1)] IReadOnlyList<PlanTask> Tasks)
{
    /// <summary>This plan with task <paramref name="taskId"/> replaced by <paramref name="change"/> of it.</summary>
    public Plan With(string taskId, Func<PlanTask, PlanTask> change) =>
        this with { Tasks = [.. Tasks.Select(t => t.Id == taskId ? change(t) : t)] };
}

public sealed record TaskClaim([property: JsonPropertyName("plan_id")] string PlanId, [property: JsonPropertyName("task_id")] string TaskId);

public sealed record TaskResult(
    [property: JsonPropertyName("plan_id")] string PlanId,
    [property: JsonPropertyName("task_id")] string TaskId,
    string Status);
