using Microsoft.Extensions.Logging;
using OamOrleans.Protocol;

namespace OamOrleans.Samples.Agents.Middleware;

/// <summary>
/// Logs every request's agent, caller and outcome once it ended: the caller is the sender's <c>X-Mesh-Instance-Id</c> over
/// NATS (<c>-</c> when a plain client sent none) or <c>cluster</c> for a call by name inside the cluster.
/// </summary>
public sealed partial class AuditMiddleware(ILogger<AuditMiddleware> logger) : IAgentMiddleware
{
    public async Task InvokeAsync(AgentInvocation invocation, Func<Task> nextStep)
    {
        try
        {
            await nextStep();
        }
        finally
        {
            var caller = !invocation.OverNats ? "cluster" : invocation.Headers.TryGetValue(MeshHeaders.InstanceId, out var id) ? id : "-";
            var outcome = invocation.Status switch
            {
                AgentInvocationStatus.Replied => "ok",
                AgentInvocationStatus.StreamEnded => $"stream_end ({invocation.StreamChunks} chunks)",
                AgentInvocationStatus.Failed => invocation.Error?.Code ?? "error",
                _ => "refused",   // a middleware after this one threw: the pipeline answers with its code
            };
            LogAudit(logger, invocation.AgentName, caller, invocation.RequestId, invocation.ConversationId, outcome);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "audit agent={Agent} caller={Caller} request={RequestId} conversation={Conversation} outcome={Outcome}")]
    private static partial void LogAudit(ILogger logger, string agent, string caller, string requestId, string conversation, string outcome);
}
