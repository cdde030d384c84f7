using System.Reflection;
using System.Text.Json;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Internal;
using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>
/// A typed handle on one agent grain (agent + conversation) for .NET code that holds an <see cref="IGrainFactory"/>
/// or <see cref="IClusterClient"/>: calls go straight through Orleans, and the grain checks the input against the
/// agent's schema exactly as a mesh call is checked.
/// </summary>
public sealed class AgentReference
{
    private readonly IAgentGrain _grain;

    internal AgentReference(IGrainFactory grains, string agentName, string conversationId)
    {
        AgentName = agentName;
        ConversationId = conversationId;
        _grain = grains.GetGrain<IAgentGrain>(GrainId.Create(OamOrleans.AgentAttribute.GrainTypeOf(agentName), conversationId));
    }

    /// <summary>The dotted name of the agent this handle calls.</summary>
    public string AgentName { get; }

    /// <summary>The conversation (grain activation) this handle calls; <c>default</c> unless one was given.</summary>
    public string ConversationId { get; }

    /// <summary>Calls the agent with <paramref name="input"/> as JSON; errors raise <see cref="MeshException"/> subclasses.</summary>
    public async Task<TOut> CallAsync<TOut>(object? input)
    {
        var body = input is null ? [] : JsonSerializer.SerializeToUtf8Bytes(input, input.GetType(), AgentJson.Options);
        var reply = await CallJsonAsync(body);
        return JsonSerializer.Deserialize<TOut>(reply, AgentJson.Options)!;
    }

    /// <summary>Calls the agent with a raw JSON body and returns the raw JSON output.</summary>
    public async Task<byte[]> CallJsonAsync(byte[] body)
    {
        // Not prepared here: the grain runs the pipeline's checks (schema, conversation) itself.
        var requestId = MeshIds.New();
        var outcome = await _grain.InvokeAsync(new AgentRequest(body, requestId, ConversationId));
        return outcome.Error is { } error ? throw error.ToException(AgentName, requestId) : outcome.Body;
    }
}

/// <summary>Typed access to agent grains from <see cref="IGrainFactory"/> / <see cref="IClusterClient"/>.</summary>
public static class AgentGrainFactoryExtensions
{
    /// <summary>The agent <typeparamref name="TAgent"/> in conversation <paramref name="conversationId"/> (ignored by stateless agents).</summary>
    public static AgentReference GetAgent<TAgent>(this IGrainFactory grains, string conversationId = "default")
        where TAgent : AgentGrain
    {
        var attribute = typeof(TAgent).GetCustomAttribute<AgentAttribute>(inherit: false)
            ?? throw new ArgumentException($"{typeof(TAgent).FullName} lacks [Agent(\"name\")].", nameof(TAgent));
        return new AgentReference(grains, attribute.Name, AgentDescriptor.IsConversational(typeof(TAgent)) ? conversationId : "default");
    }

    /// <summary>The agent named <paramref name="agentName"/> in conversation <paramref name="conversationId"/>.</summary>
    public static AgentReference GetAgent(this IGrainFactory grains, string agentName, string conversationId = "default") =>
        new(grains, OamOrleans.Protocol.AgentName.Validate(agentName, nameof(agentName)), conversationId);
}
