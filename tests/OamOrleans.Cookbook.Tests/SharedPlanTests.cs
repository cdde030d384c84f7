using OamOrleans.Samples.Cookbook.SharedPlan;
using Xunit.Abstractions;

namespace OamOrleans.Cookbook.Tests;

/// <summary>Recipe 3, shared-plan.md: concurrent workers change one plan without losing an update.</summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SharedPlanTests(CookbookMesh mesh, ITestOutputHelper output)
{
    [Fact]
    public async Task Five_concurrent_workers_complete_every_task_with_no_update_lost_and_the_watch_sees_each_step()
    {
        var run = await SharedPlanRecipe.RunAsync(mesh.Client, CookbookMesh.Unique("plan"));
        output.WriteLine($"5 tasks of 2 x CAS + {PlanWorkerAgent.Work.TotalMilliseconds} ms each took {run.Elapsed.TotalMilliseconds:0} ms");

        Assert.Equal(["task-1", "task-2", "task-3", "task-4", "task-5"], run.Results.Select(r => r.TaskId).Order());
        Assert.All(run.Results, r => Assert.Equal(PlanTask.Complete, r.Status));
        Assert.All(run.Final.Tasks, t =>
        {
            Assert.Equal(PlanTask.Complete, t.Status);                  // the second update of every worker landed
            Assert.StartsWith("worker@", t.AssignedTo, StringComparison.Ordinal);   // and so did the first
        });
        Assert.All(run.StatusesSeen.Values, statuses => Assert.Equal([PlanTask.Pending, PlanTask.InProgress, PlanTask.Complete], statuses));
    }

    [Fact]
    public async Task The_plan_agent_applies_concurrent_changes_of_one_plan_one_at_a_time_without_compare_and_swap()
    {
        var planId = CookbookMesh.Unique("plan");
        var tasks = Enumerable.Range(1, 8).Select(i => $"t{i}").ToArray();
        await mesh.Client.CallAsync<Plan>(PlanAgent.Name, new PlanChange(planId, Tasks: tasks));

        await Task.WhenAll(tasks.Select(t => mesh.Client.CallAsync<Plan>(
            PlanAgent.Name, new PlanChange(planId, t, PlanTask.Complete, $"agent-{t}")).AsTask()));

        var plan = await mesh.Client.CallAsync<Plan>(PlanAgent.Name, new PlanChange(planId));
        Assert.All(plan.Tasks, t => Assert.Equal((PlanTask.Complete, $"agent-{t.Id}"), (t.Status, t.AssignedTo)));
    }

    [Fact]
    public async Task A_worker_asked_for_a_task_the_plan_does_not_have_answers_invalid_input()
    {
        var planId = CookbookMesh.Unique("plan");
        await mesh.Client.Kv.PutJsonAsync(planId, new Plan(planId, [new PlanTask("task-1", "only one")]));

        var error = await Assert.ThrowsAsync<OamOrleans.Client.InvalidInputException>(async () =>
            await mesh.Client.CallAsync<TaskResult>(PlanWorkerAgent.Name, new TaskClaim(planId, "task-9")));
        Assert.Contains("task-9", error.Message, StringComparison.Ordinal);
    }
}
