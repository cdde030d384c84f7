using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace OamOrleans.Hosting;

// Chat clients for agents: token usage of each response is reported on the reply of the agent call that made it.
public static partial class MeshSiloBuilderExtensions
{
    /// <summary>
    /// Registers the <see cref="IChatClient"/> agents get from DI (constructor injection), wrapped so that the usage and
    /// model of every response are reported to the agent call it runs in (<see cref="AgentContext.Current"/>) and leave
    /// on the reply as <c>X-Mesh-Usage</c>, summed with anything the handler reports itself. The factory's client is
    /// disposed with the silo's service provider.
    /// </summary>
    public static ISiloBuilder AddAgentChatClient(this ISiloBuilder builder, Func<IServiceProvider, IChatClient> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(sp => factory(sp).WithMeshUsage());
        return builder;
    }

    /// <summary>
    /// <paramref name="client"/> wrapped to report the usage and model of its responses to the agent call it runs in; for
    /// clients registered by other means (keyed services, a <c>ChatClientBuilder</c> pipeline). Wrap once per pipeline,
    /// inside or outside a function-invocation layer (that layer sums the usage of its rounds), never both.
    /// </summary>
    public static IChatClient WithMeshUsage(this IChatClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client is MeshUsageChatClient ? client : new MeshUsageChatClient(client);
    }
}
