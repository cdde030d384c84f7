using Orleans.Metadata;
using Orleans.Runtime;
using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>
/// Declares a class as a mesh agent: its dotted name (<c>mesh.agent.{name}</c>), description, version and tags.
/// The agent's Orleans grain type is derived from the name, so one activation exists per (agent, conversation).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AgentAttribute : Attribute, IGrainTypeProviderAttribute
{
    public AgentAttribute(string name)
    {
        Name = AgentName.Validate(name);
    }

    public string Name { get; }

    public string Description { get; init; } = "";

    public string Version { get; init; } = CatalogEntry.DefaultVersion;

    public string[] Tags { get; init; } = [];

    /// <summary>The Orleans grain type of an agent: <c>oam.{name}</c>.</summary>
    public static GrainType GrainTypeOf(string agentName) => GrainType.Create("oam." + agentName);

    GrainType IGrainTypeProviderAttribute.GetGrainType(IServiceProvider services, Type type) => GrainTypeOf(Name);
}

/// <summary>
/// Marks the property of an agent's input type whose value selects the conversation when the request carries
/// no <c>X-Mesh-Conversation-Id</c> header, so plain OpenAgentMesh clients still get per-conversation state.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class ConversationKeyAttribute : Attribute
{
}
