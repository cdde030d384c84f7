using OamOrleans.Internal;
using OamOrleans.Pipeline;
using OamOrleans.Protocol;

namespace OamOrleans;

internal sealed partial class AgentDescriptor
{
    /// <summary>
    /// The checks every request to this agent passes, whichever way it came in, in the reference's order (§3.4): verb
    /// against shape, size, a stream's request id, the input schema; then the conversation it belongs to. Returns the
    /// error to answer, or null with <paramref name="conversation"/> set.
    /// </summary>
    public AgentError? Prepare(ReadOnlySpan<byte> body, bool stream, string requestId, string? conversationHeader, RequestLimits limits, out string conversation)
    {
        conversation = ConversationIds.Default;
        if (Refuse(body.Length, stream, requestId, limits) is { } refused)
        {
            return refused;
        }

        if (Validator is { } validator)
        {
            if (body.IsEmpty)
            {
                return new AgentError(
                    MeshErrorCodes.InvalidInput,
                    $"Input failed validation for agent '{Name}': the request body is empty but the agent requires input",
                    """{"errors":[{"type":"missing","loc":[],"msg":"Input required","input":null}]}"""u8.ToArray());
            }

            if (!validator.TryValidate(body, out var problem, out var errors))
            {
                var message = problem.Length == 0 ? $"Input failed validation for agent '{Name}'" : $"Input failed validation for agent '{Name}': {problem}";
                return new AgentError(MeshErrorCodes.InvalidInput, message, errors);
            }
        }

        return ResolveConversation(body, conversationHeader, ConversationKeyProperty, limits, out conversation) is { } invalid
            ? new AgentError(MeshErrorCodes.InvalidInput, $"{invalid.Message} for agent '{Name}'", invalid.DetailsJson)
            : null;
    }

    /// <summary>
    /// The conversation of a request: the header, else the input's key property, else <c>default</c>. Also used for agents
    /// hosted only by other silos, whose key property comes from the cluster manifest. Returns why it is invalid (a
    /// message to end with the agent's name, and details), or null.
    /// </summary>
    public static AgentError? ResolveConversation(ReadOnlySpan<byte> body, string? header, string? keyProperty, RequestLimits limits, out string conversation)
    {
        var fromHeader = !string.IsNullOrEmpty(header);
        var loc = fromHeader ? MeshHeaders.ConversationId : keyProperty;
        try
        {
            conversation = fromHeader ? header!
                : keyProperty is null ? ConversationIds.Default
                : ConversationIds.FromInput(body, keyProperty) ?? ConversationIds.Default;
        }
        catch (FormatException e)
        {
            conversation = ConversationIds.Default;
            return new AgentError(MeshErrorCodes.InvalidInput, e.Message, PydanticErrors.At(loc, "string_unicode", e.Message, null));
        }

        if (conversation.Length <= limits.MaxConversationIdLength)
        {
            return null;
        }

        var tooLong = $"Conversation id of {conversation.Length} characters exceeds the limit of {limits.MaxConversationIdLength}";
        return new AgentError(MeshErrorCodes.InvalidInput, tooLong, PydanticErrors.At(loc, "string_too_long", tooLong, conversation));
    }

    private AgentError? Refuse(int bodyLength, bool stream, string requestId, RequestLimits limits)
    {
        if (stream && !Streaming)
        {
            return new AgentError(MeshErrorCodes.InvocationMismatch, $"Agent '{Name}' does not support streaming. Use call() instead");
        }

        if (!stream && Streaming)
        {
            return new AgentError(MeshErrorCodes.InvocationMismatch, $"Agent '{Name}' is streaming-only. Use stream() instead");
        }

        if (stream && !AgentName.IsValid(requestId)) // §5.4: a stream id must make a valid subject, as a name does
        {
            // The reference would publish to an invalid subject such as "mesh.stream." (§12.3); refuse instead.
            var problem = requestId.Length == 0
                ? $"A stream request to agent '{Name}' needs an X-Mesh-Request-Id header"
                : $"The X-Mesh-Request-Id of a stream request to agent '{Name}' must make a valid subject (dot-separated segments of [a-zA-Z0-9_-])";
            return new AgentError(MeshErrorCodes.InvalidInput, problem, PydanticErrors.At(MeshHeaders.RequestId, "value_error", problem, requestId));
        }

        if (limits.MaxRequestBytes is { } max && bodyLength > max)
        {
            var problem = $"Request body of {bodyLength} bytes exceeds the limit of {max} bytes for agent '{Name}'";
            return new AgentError(MeshErrorCodes.InvalidInput, problem, PydanticErrors.At(null, "too_long", problem, null));
        }

        return null;
    }
}
