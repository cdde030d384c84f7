using Microsoft.Extensions.Logging;

namespace OamOrleans;

/// <summary>Log messages of the agent base classes.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Publisher agent '{Agent}' failed; its event stream ended with an error frame")]
    public static partial void PublisherFailed(ILogger logger, Exception exception, string agent);
}
