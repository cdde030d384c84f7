using Microsoft.Extensions.Logging;

namespace OamOrleans;

/// <summary>Log messages of the agent base classes.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Publisher agent '{Agent}' failed; its event stream ended with an error frame")]
    public static partial void PublisherFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source handler of agent '{Agent}' failed for a delivery from '{Origin}'")]
    public static partial void SourceHandlerFailed(ILogger logger, Exception exception, string agent, string origin);
}
