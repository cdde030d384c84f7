using Microsoft.Extensions.AI;
using OamOrleans.Hosting;

namespace OamOrleans.Samples.Assistant;

/// <summary>Hosts <c>demo.assistant</c> with a model.</summary>
public static class AssistantSiloBuilderExtensions
{
    /// <summary>Hosts <c>demo.assistant</c> on the model configured by <c>OAM_LLM_*</c>.</summary>
    public static ISiloBuilder AddAssistantAgent(this ISiloBuilder builder, AssistantModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return builder.AddAssistantAgent(_ => model.CreateChatClient());
    }

    /// <summary>Hosts <c>demo.assistant</c> on any chat client (tests use a scripted one); its usage is reported on the replies.</summary>
    public static ISiloBuilder AddAssistantAgent(this ISiloBuilder builder, Func<IServiceProvider, IChatClient> model)
    {
        builder.AddAgentChatClient(model);
        return builder.AddAgent<AssistantAgent>();
    }
}
