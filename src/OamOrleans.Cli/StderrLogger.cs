using Microsoft.Extensions.Logging;

namespace OamOrleans.Cli;

/// <summary>A minimal logger for long-running commands (<c>mesh monitor</c>): one line per entry on the run's stderr, information and up.</summary>
internal sealed class StderrLogger(TextWriter stderr) : ILogger
{
    private readonly object _gate = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [{Level(logLevel)}] {formatter(state, exception)}";
        lock (_gate)
        {
            stderr.WriteLine(line);
            if (exception is not null)
            {
                stderr.WriteLine(exception);
            }
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => level.ToString().ToLowerInvariant(),
    };
}
