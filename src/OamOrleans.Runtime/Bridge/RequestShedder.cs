using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OamOrleans.Hosting;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// Answers the requests an agent's full queue cannot take (<see cref="MeshHostOptions.MaxQueuedRequests"/>) with
/// <c>not_available</c>, "overloaded", routed as any agent-side error (reply or stream subject, and <c>mesh.errors</c>):
/// the caller learns at once instead of at its deadline, and the silo neither queues without bound nor stops reading
/// its NATS connection (which would stall every other agent of the silo behind one agent's backlog).
/// </summary>
internal sealed partial class RequestShedder(Pipeline.IMeshOutbox publisher, IOptions<MeshHostOptions> options, ILogger<RequestShedder> logger)
{
    private long _shed;

    /// <summary>How many requests may wait per agent subscription.</summary>
    public int QueueCapacity { get; } = options.Value.MaxQueuedRequests;

    public async ValueTask ShedAsync(AgentDescriptor agent, MeshRequest msg)
    {
        var shed = Interlocked.Increment(ref _shed);
        if (shed == 1 || shed % 10_000 == 0)
        {
            LogShedding(logger, agent.Name, QueueCapacity, shed); // not once per request: logging would add to the load
        }

        var requestId = msg.RequestId ?? "";
        var envelope = new ErrorEnvelope(MeshErrorCodes.NotAvailable,
            $"Agent '{agent.Name}' is overloaded: {QueueCapacity} requests already wait on this host; try again later",
            agent.Name, requestId, ErrorEnvelope.NoDetails);
        try
        {
            await publisher.ErrorToCallerAsync(envelope, requestId, msg.ReplyTo, msg.Stream, msg.Conversation);
        }
        catch (Exception e)
        {
            LogShedFailed(logger, e, agent.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent '{Agent}' is overloaded: {Queued} requests wait, more are answered not_available ({Shed} so far on this host)")]
    private static partial void LogShedding(ILogger logger, string agent, int queued, long shed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering an overloaded request to agent '{Agent}' failed")]
    private static partial void LogShedFailed(ILogger logger, Exception exception, string agent);
}
