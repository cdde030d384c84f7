using System.Diagnostics;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using Orleans.Runtime;
using OamOrleans.Hosting;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// The one path from a JSON request to an agent grain, shared by the NATS bridge and in-silo calls by name:
/// validates the input against the agent's schema, picks the conversation, calls the grain (again on another silo when
/// its silo was lost, see <see cref="GrainCallFailover"/>), and turns every failure into an error response (never an
/// exception).
/// </summary>
internal sealed class AgentInvoker(IGrainFactory grains, GrainCallFailover failover, IOptions<MeshHostOptions> options)
{
    public const string DefaultConversation = "default";
    private readonly int _maxConversationIdLength = options.Value.MaxConversationIdLength;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<GrainType, IAgentGrain> _stateless = new();
    private GrainInterfaceType? _agentInterface;

    /// <summary>Validates a request; returns the error to send, or null and the conversation it belongs to.</summary>
    public AgentResponse? Prepare(AgentDescriptor agent, byte[] body, string? conversationId, out string conversation)
    {
        JToken? input = null;
        conversation = DefaultConversation;
        if (agent.Validator is { } validator)
        {
            if (body.Length == 0)
            {
                return AgentResponse.Error(
                    MeshErrorCodes.InvalidInput,
                    $"Input failed validation for agent '{agent.Name}': the request body is empty but the agent requires input",
                    """{"errors":[{"type":"missing","loc":[],"msg":"Input required","input":null}]}"""u8.ToArray());
            }

            if (!validator.TryValidate(body, keepInput: agent.ConversationKey is not null, out input, out var problem, out var errors))
            {
                var message = problem.Length == 0 ? $"Input failed validation for agent '{agent.Name}'" : $"Input failed validation for agent '{agent.Name}': {problem}";
                return AgentResponse.Error(MeshErrorCodes.InvalidInput, message, errors);
            }
        }

        var fromHeader = !string.IsNullOrEmpty(conversationId);
        conversation = fromHeader ? conversationId! : KeyFromInput(agent, input) ?? DefaultConversation;
        if (conversation.Length <= _maxConversationIdLength)
        {
            return null;
        }

        var tooLong = $"Conversation id of {conversation.Length} characters exceeds the limit of {_maxConversationIdLength} for agent '{agent.Name}'";
        return AgentResponse.Error(
            MeshErrorCodes.InvalidInput,
            tooLong,
            PydanticErrors.At(fromHeader ? MeshHeaders.ConversationId : agent.ConversationKey, "string_too_long", tooLong, conversation));
    }

    /// <summary>Validates and calls a responder or trigger.</summary>
    public async Task<AgentResponse> InvokeAsync(AgentDescriptor agent, byte[] body, string requestId, string? conversationId)
    {
        return Prepare(agent, body, conversationId, out var conversation) ?? await InvokePreparedAsync(agent, body, requestId, conversation);
    }

    /// <summary>Calls a responder or trigger with a request <see cref="Prepare"/> accepted.</summary>
    public async Task<AgentResponse> InvokePreparedAsync(AgentDescriptor agent, byte[] body, string requestId, string conversation)
    {
        try
        {
            // The same request id on every attempt: a conversation answers a turn it already ran from its turn log.
            var request = new AgentRequest(body, requestId, conversation, Validated: true);
            return await failover.CallAsync(agent.Name, () => AgentGrainOf(agent, conversation).InvokeAsync(request));
        }
        catch (Exception e)
        {
            return Unreached(agent, conversation, e);
        }
    }

    /// <summary>
    /// Calls a stateless responder or trigger with several requests <see cref="Prepare"/> accepted, in one grain call;
    /// the responses are in the order of the requests. If the grain cannot be reached, every request gets that error.
    /// </summary>
    public async Task<AgentResponse[]> InvokePreparedBatchAsync(AgentDescriptor agent, AgentRequest[] requests)
    {
        Debug.Assert(!agent.Conversational);
        try
        {
            var responses = await failover.CallAsync(agent.Name, () => AgentGrainOf(agent, DefaultConversation).InvokeBatchAsync(requests));
            if (responses.Length != requests.Length)
            {
                throw new InvalidOperationException($"Agent grain answered {responses.Length} of {requests.Length} requests");
            }

            return responses;
        }
        catch (Exception e)
        {
            var error = Unreached(agent, DefaultConversation, e);
            return Enumerable.Repeat(error, requests.Length).ToArray();
        }
    }

    /// <summary>Runs a prepared stream request; the grain publishes the frames (and its own error frame).</summary>
    public async Task<AgentResponse> StreamAsync(AgentDescriptor agent, byte[] body, string requestId, string conversation, TimeSpan deadline)
    {
        try
        {
            var grain = grains.GetGrain<IStreamingAgentGrain>(GrainIdOf(agent, conversation));
            // Not retried: frames may already be out, and the caller's stream would restart mid-way.
            return await grain.StreamAsync(new AgentRequest(body, requestId, conversation, Validated: true), deadline);
        }
        catch (Exception e)
        {
            return Unreached(agent, conversation, e);
        }
    }

    /// <summary>The publisher activation of this silo.</summary>
    public IPublisherAgentGrain Publisher(AgentDescriptor agent, string instanceId) =>
        grains.GetGrain<IPublisherAgentGrain>(GrainId.Create(agent.GrainType, instanceId));

    /// <summary>Stateless agents run as stateless workers: one grain id, pooled activations in every silo.</summary>
    private static GrainId GrainIdOf(AgentDescriptor agent, string conversation) =>
        GrainId.Create(agent.GrainType, agent.Conversational ? conversation : DefaultConversation);

    /// <summary>
    /// The grain reference for a request. <c>GetGrain&lt;T&gt;(GrainId)</c> resolves the grain interface type by
    /// reflection on every call (custom attributes, type-name formatting: ~4 % of the bridge's CPU at 64 in flight), so
    /// the interface type is resolved once, and a stateless agent's one reference (its id never changes) is kept.
    /// </summary>
    private IAgentGrain AgentGrainOf(AgentDescriptor agent, string conversation)
    {
        if (!agent.Conversational)
        {
            return _stateless.TryGetValue(agent.GrainType, out var cached)
                ? cached
                : _stateless.GetOrAdd(agent.GrainType, static (type, self) => self.CreateAgentGrain(GrainId.Create(type, DefaultConversation)), this);
        }

        return CreateAgentGrain(GrainId.Create(agent.GrainType, conversation));
    }

    private IAgentGrain CreateAgentGrain(GrainId id)
    {
        if (_agentInterface is { } type)
        {
            return (IAgentGrain)grains.GetGrain(id, type);
        }

        var grain = grains.GetGrain<IAgentGrain>(id);
        _agentInterface = ((GrainReference)(object)grain).InterfaceType;
        return grain;
    }

    /// <summary>Marks a response whose error the grain could not publish because it was never reached.</summary>
    public static bool IsUnreached(AgentResponse response) => response.Count < 0;

    private static AgentResponse Unreached(AgentDescriptor agent, string conversation, Exception exception) =>
        GrainCallFailover.ErrorFor(agent.Name, agent.Conversational ? conversation : null, exception);

    private static string? KeyFromInput(AgentDescriptor agent, JToken? input) =>
        agent.ConversationKey is { } key && input is JObject obj && obj[key] is JValue { Value: not null } value
            ? value.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
