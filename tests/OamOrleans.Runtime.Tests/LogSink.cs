using Microsoft.Extensions.Logging;

namespace OamOrleans.Runtime.Tests;

/// <summary>A logger provider that keeps a host's log records in memory, so a test can wait for one to be written.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<LogRecord> _records = [];
    private TaskCompletionSource _written = NewSignal();

    public IReadOnlyList<LogRecord> Records
    {
        get
        {
            lock (_lock)
            {
                return [.. _records];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    /// <summary>Waits (woken by each new record, never polling) until a record matches, at most <paramref name="timeout"/>.</summary>
    public async Task<LogRecord> WaitForAsync(Func<LogRecord, bool> match, string what, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task written;
            lock (_lock)
            {
                if (_records.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                written = _written.Task;
            }

            try
            {
                await written.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"timed out after {timeout} waiting for {what}");
            }
        }
    }

    public void Dispose()
    {
    }

    private void Add(LogRecord record)
    {
        TaskCompletionSource written;
        lock (_lock)
        {
            _records.Add(record);
            written = _written;
            _written = NewSignal();
        }

        written.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Add(new LogRecord(logLevel, category, formatter(state, exception), exception));
    }
}

public sealed record LogRecord(LogLevel Level, string Category, string Message, Exception? Exception = null);
