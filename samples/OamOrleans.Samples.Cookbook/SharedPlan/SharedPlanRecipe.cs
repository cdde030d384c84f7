using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.SharedPlan;

/// <summary>What one run of the recipe saw: the replies, the final plan and every status the watch saw per task.</summary>
public sealed record SharedPlanRun(IReadOnlyList<TaskResult> Results, Plan Final, IReadOnlyDictionary<string, IReadOnlyList<string>> StatusesSeen, TimeSpan Elapsed);

/// <summary>
/// The reference's "shared plan coordination": put a plan with five tasks, call <c>dev.worker</c> once per task, all at
/// once, and follow the plan key with a watch (an <see cref="IAsyncEnumerable{T}"/>) until every task is complete.
/// </summary>
public static class SharedPlanRecipe
{
    public static async Task<SharedPlanRun> RunAsync(MeshClient mesh, string planId = "plan-001", int taskCount = 5, CancellationToken cancellationToken = default)
    {
        var tasks = Enumerable.Range(1, taskCount).Select(i => new PlanTask($"task-{i}", $"Step {i} of the plan")).ToArray();
        await mesh.Kv.PutJsonAsync(planId, new Plan(planId, tasks), cancellationToken);

        var watchStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = WatchUntilCompleteAsync(mesh, planId, watchStarted, cancellationToken);
        await watchStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);   // it sees every change from here on
        var started = System.Diagnostics.Stopwatch.StartNew();
        var results = await Task.WhenAll(tasks.Select(t =>
            mesh.CallAsync<TaskResult>(PlanWorkerAgent.Name, new TaskClaim(planId, t.Id), cancellationToken: cancellationToken).AsTask()));
        var elapsed = started.Elapsed;
        var seen = await watching.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        var final = await mesh.Kv.GetJsonAsync<Plan>(planId, cancellationToken);
        return new SharedPlanRun(results, final, seen, elapsed);
    }

    /// <summary>Every status each task had in the revisions the watch delivered, until all tasks are complete.</summary>
    private static async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> WatchUntilCompleteAsync(
        MeshClient mesh, string planId, TaskCompletionSource started, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, List<string>>();
        #region SharedPlanWatch
        await foreach (var entry in mesh.Kv.WatchEntriesAsync(planId, cancellationToken: cancellationToken))
        {
            started.TrySetResult();   // the first entry is the plan as put: the watch is live
            if (entry.Operation != KvOperation.Put || entry.Deserialize<Plan>() is not { } plan)
            {
                continue;
            }

            foreach (var task in plan.Tasks)
            {
                var statuses = seen.TryGetValue(task.Id, out var s) ? s : seen[task.Id] = [];
                if (statuses.LastOrDefault() != task.Status)
                {
                    statuses.Add(task.Status);
                }
            }

            if (plan.Tasks.All(t => t.Status == PlanTask.Complete))
            {
                break;
            }
        }
        #endregion

        return seen.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value);
    }
}
