using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OamOrleans.Runtime.Tests;

/// <summary>Keeps the log lines of categories starting with a prefix, so a test can show them when it fails.</summary>
internal sealed class RecordingLoggerProvider(string categoryPrefix) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string Lines => _lines.IsEmpty ? "(nothing logged)" : string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(categoryPrefix, StringComparison.Ordinal) ? new Recorder(categoryName, _lines) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}
