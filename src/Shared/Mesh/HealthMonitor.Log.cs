using Microsoft.Extensions.Logging;

namespace OamOrleans.Client;

internal sealed partial class HealthMonitor
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Health monitor started: watching {Subject}")]
    private static partial void LogStarted(ILogger logger, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Health monitor stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a malformed disconnect advisory on {Subject}: {Problem}")]
    private static partial void LogMalformedAdvisory(ILogger logger, string subject, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection oam-host-{InstanceId} disconnected")]
    private static partial void LogHostDisconnected(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No mesh-instances record for {InstanceId}: graceful shutdown, a pure caller, or already cleaned up")]
    private static partial void LogNoInstanceRecord(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mesh-instances record of {InstanceId} is not valid JSON ({Problem}); removing it without deregistering agents")]
    private static partial void LogMalformedInstanceRecord(ILogger logger, string instanceId, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Another health monitor is cleaning up after {InstanceId}")]
    private static partial void LogLostRace(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {InstanceId} disconnected without shutting down; cleaning up its {AgentCount} agent(s)")]
    private static partial void LogHostDied(ILogger logger, string instanceId, int agentCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {Agent} of dead host {InstanceId} is still served by another instance; kept")]
    private static partial void LogAgentSurvives(ILogger logger, string agent, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {Agent} deregistered after host {InstanceId} disconnected; death notice sent")]
    private static partial void LogAgentDied(ILogger logger, string agent, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deregistering {Agent} failed (round {Round}): {Problem}; retrying")]
    private static partial void LogDeregisterRetry(ILogger logger, string agent, int round, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not deregister {Agent}; its catalog entry may be stale")]
    private static partial void LogDeregisterFailed(ILogger logger, string agent, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cleanup after host {InstanceId} failed")]
    private static partial void LogCleanupFailed(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The disconnect advisory subscription ended (its connection was closed); the health monitor no longer sees hosts die")]
    private static partial void LogReaderEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading disconnect advisories failed; the health monitor no longer sees hosts die")]
    private static partial void LogReaderFailed(ILogger logger, Exception exception);
}
