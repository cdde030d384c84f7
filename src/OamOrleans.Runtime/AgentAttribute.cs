using Orleans.Metadata;
using Orleans.Runtime;
using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>
/// Declares a class as a mesh agent: its dotted name (<c>mesh.agent.{name}</c>), description, version and tags.
/// The agent's Orleans grain type is derived from the name, so one activation exists per (agent, conversation).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AgentAttribute : Attribute, IGrainTypeProviderAttribute, IGrainPropertiesProviderAttribute
{
    /// <summary>Grain property (in the cluster manifest): <c>true</c> when each conversation is its own activation.</summary>
    internal const string ConversationalProperty = "oam.conversational";

    /// <summary>Grain property: the wire name of the input property that selects the conversation, if any.</summary>
    internal const string ConversationKeyProperty = "oam.conversation-key";

    /// <summary>Grain property: present when the agent has a lifecycle gate, so in-cluster callers go through NATS (which knows whether it is open).</summary>
    internal const string GatedProperty = "oam.gated";

    /// <summary>Declares the agent <paramref name="name"/>; throws <see cref="ArgumentException"/> when it breaks the agent-name rule (<see cref="AgentName"/>).</summary>
    public AgentAttribute(string name)
    {
        Name = AgentName.Validate(name);
    }

    /// <summary>The agent's dotted name: its subject is <c>mesh.agent.{Name}</c> and its queue group <c>q.{Name}</c>.</summary>
    public string Name { get; }

    /// <summary>What the agent does: written to the catalog and contract, and the tool description models see.</summary>
    public string Description { get; init; } = "";

    /// <summary>The version written to the catalog and contract; default <c>0.1.0</c>.</summary>
    public string Version { get; init; } = CatalogEntry.DefaultVersion;

    /// <summary>Tags written to the catalog and contract, for discovery (<c>oam agent list --tag</c>, <c>DiscoverAsync</c>).</summary>
    public string[] Tags { get; init; } = [];

    /// <summary>
    /// Whether <c>oam mcp serve</c> exports this agent as an MCP tool: written to the contract as <c>x-agentmesh.mcp</c>
    /// only when set (an attribute property cannot be nullable, so "not set" is kept apart from <c>false</c>).
    /// Unset, the exporter's default decides.
    /// </summary>
    public bool Mcp
    {
        get => McpFlag ?? false;
        init => McpFlag = value;
    }

    /// <summary>
    /// How long a conversation's state is kept after its last turn, as a <see cref="TimeSpan"/> in the invariant
    /// <c>[d.]hh:mm:ss</c> form (for example <c>"7.00:00:00"</c>); conversational agents only. Unset, state is kept until
    /// the conversation ends or is deleted. A turn of a conversation idle for longer starts from a new state, and the
    /// silos' sweeper deletes the expired state from storage (docs/reminders.md, "Idle expiry"). A bad value stops the
    /// silo at start-up with a message naming the agent.
    /// </summary>
    public string? StateTtl { get; init; }

    /// <summary><see cref="Mcp"/> as written to the contract: null when the declaration does not set it.</summary>
    internal bool? McpFlag { get; private init; }

    /// <summary>The Orleans grain type of an agent: <c>oam.{name}</c>.</summary>
    public static GrainType GrainTypeOf(string agentName) => GrainType.Create("oam." + agentName);

    GrainType IGrainTypeProviderAttribute.GetGrainType(IServiceProvider services, Type type) => GrainTypeOf(Name);

    /// <summary>
    /// Publishes what a caller in another silo needs to call this agent straight through Orleans without hosting it:
    /// whether it is conversational and which input property is its conversation key.
    /// </summary>
    void IGrainPropertiesProviderAttribute.Populate(IServiceProvider services, Type grainClass, GrainType grainType, Dictionary<string, string> properties)
    {
        properties[ConversationalProperty] = AgentDescriptor.IsConversational(grainClass) ? "true" : "false";
        if (grainClass.GetCustomAttributes(typeof(ActiveWhenAttribute), inherit: false).Length > 0)
        {
            properties[GatedProperty] = "true";
        }

        if (AgentDescriptor.InputTypeOf(grainClass) is { } input && AgentDescriptor.FindConversationKey(input) is { } key)
        {
            properties[ConversationKeyProperty] = key;
        }
    }
}

/// <summary>
/// Marks the property of an agent's input type whose value selects the conversation when the request carries
/// no <c>X-Mesh-Conversation-Id</c> header, so plain OpenAgentMesh clients still get per-conversation state.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class ConversationKeyAttribute : Attribute
{
}
