using OamOrleans.Internal;
using OamOrleans.Middleware;
using OamOrleans.Protocol;

namespace OamOrleans.Pipeline;

internal sealed partial class RequestPipeline
{
    /// <summary>
    /// A turn an agent grain starts itself (a reminder firing) rather than a caller: no validation and no NATS answer,
    /// but the same receive log, middleware, span, metrics and record step as every request, so it shows up like one.
    /// Runs inside the grain, so <paramref name="turn"/> is called directly, never through a grain call.
    /// </summary>
    public async Task<AgentOutcome> RunOwnTurnAsync(AgentCall call, Func<Task<AgentOutcome>> turn)
    {
        AgentOutcome outcome;
        try
        {
            RequestTelemetry.Start(call);
            await logs.PublishAsync(call.Agent.Name, LogEvent.Debug, "request_received", call.RequestId, "");
            outcome = middleware.Any
                ? await middleware.RunAsync(new AgentInvocation(call.Agent.Name, call.RequestId, call.Conversation, call.Body, stream: false, headers: null, overNats: false, logs), turn)
                : await turn();
        }
        catch (Exception e)
        {
            return await FailAsync(call, e);
        }

        return await CompleteAsync(call, outcome);
    }
}
