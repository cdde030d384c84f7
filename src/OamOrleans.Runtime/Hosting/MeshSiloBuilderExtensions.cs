using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime;
using OamOrleans.Bridge;
using OamOrleans.Middleware;
using OamOrleans.Pipeline;

namespace OamOrleans.Hosting;

/// <summary>
/// Hosting extensions that turn a silo into an OpenAgentMesh agent host: the mesh and its agents (this file), agent
/// middleware (<c>AddAgentMiddleware</c>) and chat clients that report token usage (<c>AddAgentChatClient</c>).
/// </summary>
public static partial class MeshSiloBuilderExtensions
{
    /// <summary>
    /// Serves this silo's agents on the mesh: connects to NATS, registers every hosted agent (registry, catalog, instance
    /// record) once the silo is Active, bridges <c>mesh.agent.{name}</c> to the agent grains, and deregisters on stop.
    /// The silo's <see cref="OamOrleans.Client.MeshEndpoint"/> (<see cref="MeshHostOptions.Endpoint"/>, else resolved from
    /// the environment) is also a service of the container: the NATS providers connect to it when given no endpoint.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0027", Justification = "AddOpenAgentMesh(url) reads best; the two overloads differ in the type of their one argument.")]
    public static ISiloBuilder AddOpenAgentMesh(this ISiloBuilder builder, Action<MeshHostOptions>? configure = null)
    {
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(MeshBridge)))
        {
            return builder;
        }

        services.AddOptions<MeshHostOptions>();
        services.AddSingleton<IConfigurationValidator, MeshHostOptionsValidator>();
        services.AddOptions<ConversationExpiryOptions>();
        services.AddSingleton<IConfigurationValidator, ConversationExpiryOptionsValidator>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Expiry.ConversationStateSweeper>();
        services.TryAddSingleton<AgentCatalog>();
        services.TryAddSingleton<SiloMeshConnection>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloMeshConnection>());
        services.TryAddSingleton(sp => sp.GetRequiredService<SiloMeshConnection>().Endpoint);
        services.TryAddSingleton<GrainCallFailover>();
        services.TryAddSingleton<AgentInvoker>();
        services.TryAddSingleton<IAgentTurns>(sp => sp.GetRequiredService<AgentInvoker>());
        services.TryAddSingleton<RequestPipeline>();
        services.TryAddSingleton<AgentShutdown>();
        services.TryAddSingleton<AgentGrainServices>();
        services.TryAddSingleton<AgentMiddlewareChain>();
        services.TryAddSingleton<RequestSlots>();
        services.TryAddSingleton<AgentEndpoints>();
        services.TryAddSingleton<MeshPublisher>();
        services.TryAddSingleton<IMeshOutbox>(sp => sp.GetRequiredService<MeshPublisher>());
        services.TryAddSingleton<ObservabilityGate>();
        services.TryAddSingleton<AgentSources>();
        services.TryAddSingleton<RequestShedder>();
        services.TryAddSingleton<AgentHeartbeat>();
        services.TryAddSingleton<AgentGates>();
        services.TryAddSingleton<IAgentMesh, SiloAgentMesh>();
        services.TryAddSingleton<IDynamicAgents, DynamicAgents>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SiloHealthMonitor>();
        services.AddSingleton<MeshBridge>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<MeshBridge>());
        services.TryAddSingleton<IMeshHost, MeshHost>();
        return builder;
    }

    /// <summary>
    /// Serves this silo's agents on the mesh at <paramref name="url"/>; credentials and TLS files are resolved as
    /// <see cref="OamOrleans.Client.MeshEndpoint.Resolve"/> does (<c>OAM_CREDS</c>, <c>OAM_TLS_*</c>, …). See
    /// <see cref="AddOpenAgentMesh(ISiloBuilder, Action{MeshHostOptions}?)"/>, whose <see cref="MeshHostOptions.Endpoint"/>
    /// sets more.
    /// </summary>
    public static ISiloBuilder AddOpenAgentMesh(this ISiloBuilder builder, string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        return builder.AddOpenAgentMesh(o => o.Endpoint = OamOrleans.Client.MeshEndpoint.Resolve(url));
    }

    /// <summary>Hosts the agent class <typeparamref name="TAgent"/> (it must carry <see cref="AgentAttribute"/>).</summary>
    public static ISiloBuilder AddAgent<TAgent>(this ISiloBuilder builder)
        where TAgent : AgentGrain => builder.AddAgent(typeof(TAgent));

    /// <summary>Hosts the agent class <paramref name="agentClass"/>.</summary>
    public static ISiloBuilder AddAgent(this ISiloBuilder builder, Type agentClass)
    {
        if (!typeof(AgentGrain).IsAssignableFrom(agentClass) || agentClass.GetCustomAttribute<AgentAttribute>() is null)
        {
            throw new ArgumentException($"{agentClass.FullName} is not an agent: derive from Agent<TIn,TOut> (or another agent base class) and add [Agent(\"name\")].", nameof(agentClass));
        }

        builder.AddOpenAgentMesh();
        builder.Services.AddSingleton(new AgentRegistration(agentClass));
        return builder;
    }

    /// <summary>Hosts every concrete agent class of <paramref name="assembly"/> that carries <see cref="AgentAttribute"/>.</summary>
    public static ISiloBuilder AddAgentsFromAssembly(this ISiloBuilder builder, Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && t.GetCustomAttribute<AgentAttribute>() is not null))
        {
            builder.AddAgent(type);
        }

        return builder;
    }
}
