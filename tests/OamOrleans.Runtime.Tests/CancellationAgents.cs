using System.Collections.Concurrent;
using System.Diagnostics;

namespace OamOrleans.Runtime.Tests;

/// <summary>Waits on its cancellation token for as long as the caller asks; what each request saw is kept by its key.</summary>
public sealed record CancellableIn(int WaitMs, string Key);

/// <summary>What a slow handler saw: that it started, and when its token fired (null: it never did).</summary>
public sealed class CancellableTurn
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TimeSpan> _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Started => _started.Task;

    /// <summary>How long after the handler started its token fired.</summary>
    public Task<TimeSpan> Cancelled => _cancelled.Task;

    internal void Start() => _started.TrySetResult();

    internal void Cancel(TimeSpan after) => _cancelled.TrySetResult(after);
}

[Agent("test.cancellable", Description = "Waits on its cancellation token.")]
public sealed class CancellableAgent : Agent<CancellableIn, string>
{
    private static readonly ConcurrentDictionary<string, CancellableTurn> Turns = new();

    /// <summary>What the request with input key <paramref name="key"/> saw, in any silo of this process.</summary>
    public static CancellableTurn TurnOf(string key) => Turns.GetOrAdd(key, _ => new CancellableTurn());

    protected override Task<string> HandleAsync(CancellableIn input, AgentContext context) => WaitAsync(input, context);

    /// <summary>Waits as asked on the context's token, keeping what it saw under the input's key.</summary>
    internal static async Task<string> WaitAsync(CancellableIn input, AgentContext context)
    {
        var turn = TurnOf(input.Key);
        var started = Stopwatch.GetTimestamp();
        turn.Start();
        try
        {
            await Task.Delay(input.WaitMs, context.CancellationToken);
            return "finished";
        }
        catch (OperationCanceledException)
        {
            turn.Cancel(Stopwatch.GetElapsedTime(started));
            throw;
        }
    }
}

/// <summary>The same wait in a conversation: a grain of its own per conversation, cancelled across silos by Orleans.</summary>
[Agent("test.cancellable-turn", Description = "Waits on its cancellation token, in a conversation.")]
public sealed class CancellableTurnAgent : ConversationalAgent<CancellableIn, string, CancellableTurnAgent.Turns>
{
    protected override Task<string> HandleAsync(CancellableIn input, AgentContext context) => CancellableAgent.WaitAsync(input, context);

    /// <summary>No state to speak of: the turns are only counted.</summary>
    public sealed class Turns
    {
        public int Count { get; set; }
    }
}
