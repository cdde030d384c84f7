using OamOrleans.Protocol;

namespace OamOrleans;

internal sealed partial class AgentDescriptor
{
    private AgentDescriptor(AgentContract contract, DynamicAgentHandler handler)
    {
        // A stateless responder whose contract was given at run time and whose handler the pipeline's invoke step calls.
        GrainClass = typeof(DynamicAgentHandler);
        Name = contract.Name;
        GrainType = AgentAttribute.GrainTypeOf(Name);
        Kind = AgentKind.Responder;
        SubjectSources = [];
        KvSources = [];
        Contract = contract;
        Handler = handler;
    }

    /// <summary>The handler of a dynamic agent (<see cref="IDynamicAgents"/>); null for an agent class, whose grain is called.</summary>
    public DynamicAgentHandler? Handler { get; }

    /// <summary>A dynamic agent: its input is checked by its handler (the contract's schema is not compiled here).</summary>
    public static AgentDescriptor Dynamic(AgentContract contract, DynamicAgentHandler handler) => new(contract, handler);
}
