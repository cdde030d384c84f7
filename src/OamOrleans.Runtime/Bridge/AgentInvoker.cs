using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using Orleans.Runtime;
using OamOrleans.Hosting;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// The one path from a JSON request to an agent grain, shared by the NATS bridge and in-silo calls by name:
/// validates the input against the agent's schema, picks the conversation, calls the grain, and turns every failure
/// into an error response (never an exception).
/// </summary>
internal sealed class AgentInvoker(IGrainFactory grains, IOptions<MeshHostOptions> options)
{
    public const string DefaultConversation = "default";
    private readonly int _maxConversationIdLength = options.Value.MaxConversationIdLength;

    public async Task<AgentResponse> InvokeAsync(AgentDescriptor agent, byte[] body, string requestId, string? conversationId)
    {
        JToken? input = null;
        if (agent.Validator is { } validator)
        {
            if (body.Length == 0)
            {
                return AgentResponse.Error(
                    MeshErrorCodes.InvalidInput,
                    $"Input failed validation for agent '{agent.Name}': the request body is empty but the agent requires input",
                    """{"errors":[{"type":"missing","loc":[],"msg":"Input required","input":null}]}"""u8.ToArray());
            }

            if (!validator.TryValidate(body, out input, out var problem, out var errors))
            {
                var message = problem.Length == 0 ? $"Input failed validation for agent '{agent.Name}'" : $"Input failed validation for agent '{agent.Name}': {problem}";
                return AgentResponse.Error(MeshErrorCodes.InvalidInput, message, errors);
            }
        }

        var conversation = string.IsNullOrEmpty(conversationId) ? KeyFromInput(agent, input) ?? DefaultConversation : conversationId;
        if (conversation.Length > _maxConversationIdLength)
        {
            return AgentResponse.Error(
                MeshErrorCodes.InvalidInput,
                $"Conversation id of {conversation.Length} characters exceeds the limit of {_maxConversationIdLength} for agent '{agent.Name}'");
        }

        // Stateless agents run as stateless workers: one grain id, pooled activations in every silo.
        var grainKey = agent.Conversational ? conversation : DefaultConversation;
        var grain = grains.GetGrain<IAgentGrain>(GrainId.Create(agent.GrainType, grainKey));
        try
        {
            return await grain.InvokeAsync(new AgentRequest(body, requestId, conversation));
        }
        catch (TimeoutException e)
        {
            return AgentResponse.Error(MeshErrorCodes.Timeout, $"Agent '{agent.Name}' did not answer in time: {e.Message}");
        }
        catch (Exception e)
        {
            return AgentResponse.Error(MeshErrorCodes.HandlerError, $"Agent '{agent.Name}' could not be reached in the cluster: {e.Message}");
        }
    }

    private static string? KeyFromInput(AgentDescriptor agent, JToken? input) =>
        agent.ConversationKey is { } key && input is JObject obj && obj[key] is JValue { Value: not null } value
            ? value.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
