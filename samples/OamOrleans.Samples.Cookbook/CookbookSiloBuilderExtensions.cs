using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Cookbook.AgentLiveness;
using OamOrleans.Samples.Cookbook.ErrorHandling;
using OamOrleans.Samples.Cookbook.LifecycleGated;
using OamOrleans.Samples.Cookbook.LoadBalancing;
using OamOrleans.Samples.Cookbook.ParallelRagIndexing;
using OamOrleans.Samples.Cookbook.PersonaTeam;
using OamOrleans.Samples.Cookbook.ReactivePipeline;
using OamOrleans.Samples.Cookbook.SharedPlan;

namespace OamOrleans.Samples.Cookbook;

/// <summary>Hosts the cookbook's agents in a silo that already has <c>AddOpenAgentMesh</c>.</summary>
public static class CookbookSiloBuilderExtensions
{
    /// <summary>
    /// The agents of every recipe except <c>worker.primary</c> (hosted on its own: <see cref="AddLivenessPrimary"/>) and
    /// the persona team (it needs a model: <see cref="AddPersonaTeam"/>), plus the <see cref="MeshClient"/> the agents
    /// use for the shared KV and the workspace.
    /// </summary>
    public static ISiloBuilder AddCookbookAgents(this ISiloBuilder silo, string natsUrl)
    {
        silo.Services.AddMeshClient(natsUrl);
        return silo
            .AddAgent<PlanWorkerAgent>()
            .AddAgent<PlanAgent>()
            .AddAgent<FlakySummarizerAgent>()
            .AddAgent<BasicSummarizerAgent>()
            .AddAgent<BrokenSummarizerAgent>()
            .AddAgent<FallbackWorkerAgent>()
            .AddAgent<TranslatorAgent>()
            .AddAgent<IngestAgent>()
            .AddAgent<ExtractStage>()
            .AddAgent<SummarizeStage>()
            .AddAgent<IndexerAgent>()
            .AddAgent<DispatcherAgent>()
            .AddAgent<IntakeAgent>();
    }

    /// <summary><c>worker.primary</c>, the agent whose host the liveness recipe kills.</summary>
    public static ISiloBuilder AddLivenessPrimary(this ISiloBuilder silo) => silo.AddAgent<PrimaryWorkerAgent>();

    /// <summary>The persona team (<c>team.lead</c> and three personas) on <paramref name="model"/>; its usage is reported on the replies.</summary>
    public static ISiloBuilder AddPersonaTeam(this ISiloBuilder silo, Func<IServiceProvider, IChatClient> model) => silo
        .AddAgentChatClient(model)
        .AddAgent<LeadAgent>()
        .AddAgent<DeveloperExperiencePersona>()
        .AddAgent<ProtocolPersona>()
        .AddAgent<OperationsPersona>();
}
