// The cookbook: each recipe of the reference runs here against a silo hosted in this process, on the mesh at OAM_URL
// (else .oam-url, else nats://localhost:4222; `./run.sh` or `oam mesh up` gives you one). Run one recipe:
//   dotnet run --project samples/OamOrleans.Samples.Cookbook -- shared-plan
// Recipes: shared-plan, error-handling, agent-liveness (start `-- liveness-primary` in another terminal first, then kill
// it while the call waits), lifecycle-gated, load-balancing (run it twice at once to see two silos share the work), reactive-pipeline,
// parallel-rag-indexing, persona-team ["question"] (needs OAM_LLM_MODEL and OAM_LLM_ENDPOINT or OAM_LLM_API_KEY).
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Assistant;
using OamOrleans.Samples.Cookbook;
using OamOrleans.Samples.Cookbook.AgentLiveness;
using OamOrleans.Samples.Cookbook.ErrorHandling;
using OamOrleans.Samples.Cookbook.LifecycleGated;
using OamOrleans.Samples.Cookbook.LoadBalancing;
using OamOrleans.Samples.Cookbook.ParallelRagIndexing;
using OamOrleans.Samples.Cookbook.PersonaTeam;
using OamOrleans.Samples.Cookbook.ReactivePipeline;
using OamOrleans.Samples.Cookbook.SharedPlan;

string[] recipes = ["shared-plan", "error-handling", "agent-liveness", "liveness-primary", "lifecycle-gated", "load-balancing", "reactive-pipeline", "parallel-rag-indexing", "persona-team"];
var recipe = args.FirstOrDefault();
if (recipe is null || !recipes.Contains(recipe))
{
    Console.Error.WriteLine($"usage: dotnet run -- <recipe> [question]\nrecipes: {string.Join(", ", recipes)}");
    return 2;
}

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Orleans", LogLevel.Error).AddFilter("NATS", LogLevel.Error).AddFilter("Polly", LogLevel.None);   // the recipe's output only
var url = MeshEndpoint.Resolve().Url;
AssistantModel? model = null;
if (recipe == "persona-team")
{
    model = AssistantModel.Read(builder.Configuration);
    if (!model.IsConfigured)
    {
        Console.Error.WriteLine($"the persona team needs a model: {model.NotConfiguredReason}");
        return 2;
    }
}

builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "cookbook", clusterId: "cookbook-" + Environment.ProcessId);
    silo.AddSiloMemoryGrainStorage();
    silo.AddOpenAgentMesh(url);
    if (recipe == "liveness-primary")
    {
        silo.AddLivenessPrimary();
        return;
    }

    silo.AddCookbookAgents(url);
    if (model is not null)
    {
        silo.AddPersonaTeam(_ => model.CreateChatClient());
    }
});
builder.Services.AddMeshCallResilience().AddWorkerFailover();

using var host = builder.Build();
await host.StartAsync();
if (recipe == "liveness-primary")
{
    Console.WriteLine($"READY worker.primary on silo {host.Services.GetRequiredService<IMeshHost>().InstanceId}: kill this process while agent-liveness waits");
    await host.WaitForShutdownAsync();
    return 0;
}

var mesh = host.Services.GetRequiredService<MeshClient>();
await WaitForCatalogAsync(mesh, host.Services.GetRequiredService<IMeshHost>().Agents);
var indented = new JsonSerializerOptions(MeshJson.Options) { WriteIndented = true };
void Print(string label, object value) => Console.WriteLine($"{label}: {JsonSerializer.Serialize(value, indented)}");
var calls = host.Services.GetRequiredService<ResilientMeshCalls>();
switch (recipe)
{
    case "shared-plan":
        var plan = await SharedPlanRecipe.RunAsync(mesh, "plan-" + Guid.NewGuid().ToString("N")[..8]);
        Print("plan", plan.Final);
        Print("statuses seen by the watch", plan.StatusesSeen);
        break;
    case "error-handling":
        Print("retried", await calls.CallWithRetryAsync<SummaryOut>(FlakySummarizerAgent.Name, new SummaryIn("Retries recover from transient errors " + Guid.NewGuid())));
        Print("fell back", await calls.CallAsync<SummaryOut>(MeshCallResilience.Summarize, BrokenSummarizerAgent.Name, new SummaryIn("The primary is down, the fallback answers.")));
        try
        {
            await calls.CallWithRetryAsync<SummaryOut>("nlp.nonexistent", new SummaryIn("no such agent"));
        }
        catch (MeshException e)
        {
            Console.WriteLine($"not retried: [{e.Code}] {e.Message}");
        }

        break;
    case "agent-liveness":
        Print("answer", await LivenessRecipe.CallAsync(calls, "job"));
        break;
    case "lifecycle-gated":
        var report = new SmokeReport("ridge-7");
        await mesh.Kv.DeleteAsync(IncidentActive.Key);
        Print("no incident", await mesh.CallAsync<Dispatch>(IntakeAgent.Name, report));
        await mesh.Kv.PutAsync(IncidentActive.Key, "\"active\"");
        Dispatch dispatch;
        while ((dispatch = await mesh.CallAsync<Dispatch>(IntakeAgent.Name, report)).Action == IntakeAgent.Queued)
        {
            await Task.Delay(50);   // until the gate has opened here
        }

        Print("incident active", dispatch);
        await mesh.Kv.PutAsync(IncidentActive.Key, "\"contained\"");
        break;
    case "load-balancing":
        Print("requests per silo", LoadBalancingRecipe.PerInstance(await LoadBalancingRecipe.RunAsync(mesh)));
        break;
    case "reactive-pipeline":
        var run = await ReactivePipelineRecipe.RunAsync(mesh);
        Print("extracted", run.Extracted);
        Print("summary", run.Summary);
        break;
    case "parallel-rag-indexing":
        await using (var document = RagIndexingRecipe.SampleDocument(47))
        {
            Print("indexed", await RagIndexingRecipe.RunAsync(mesh, "docs/quarterly-report.txt", document));
        }

        break;
    case "persona-team":
        var question = args.ElementAtOrDefault(1) ?? "Should agents register eagerly when the host starts, or lazily on first use?";
        var decision = await mesh.CallAsync<Decision>(LeadAgent.Name, new TeamBrief("task-" + Guid.NewGuid().ToString("N")[..8], question), new CallOptions { Timeout = TimeSpan.FromMinutes(5) });
        Print("decision", decision);
        break;
}

await host.StopAsync();
return 0;

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitForCatalogAsync(MeshClient mesh, IReadOnlyList<string> agents)
{
    // Registration runs once the silo is active.
    while (!(await mesh.CatalogAsync()).Select(e => e.Name).ToHashSet().IsSupersetOf(agents))
    {
        await Task.Delay(100);
    }
}
