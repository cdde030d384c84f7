using System.Collections.Concurrent;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Samples.Cookbook.TrackingLlmUsage;

/// <summary>The tokens one agent's handlers reported, summed over its <c>usage_reported</c> events.</summary>
public sealed record AgentUsage(long InputTokens, long OutputTokens, int Events);

/// <summary>
/// The reference's cost monitor ("tracking LLM usage"): tails every agent's log events and totals the
/// <c>usage_reported</c> ones per agent as requests flow. Agents that use a chat client registered with
/// <c>AddAgentChatClient</c> report their model's usage without a line of code; others call <c>context.ReportUsage</c>.
/// </summary>
public sealed class UsageMonitor : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, AgentUsage> _byAgent = new(StringComparer.Ordinal);
    private readonly MeshLogTail _tail;
    private readonly Task _loop;

    private UsageMonitor(MeshLogTail tail)
    {
        _tail = tail;
        _loop = Task.Run(TotalAsync);
    }

    /// <summary>Usage per agent so far.</summary>
    public IReadOnlyDictionary<string, AgentUsage> ByAgent => _byAgent;

    /// <summary>Starts tailing; every event published after this returns is counted.</summary>
    public static async Task<UsageMonitor> StartAsync(MeshClient mesh, CancellationToken cancellationToken = default) =>
        new(await mesh.Observe.TailAsync(minLevel: LogEvent.Info, cancellationToken: cancellationToken));

    #region UsageTotals
    private async Task TotalAsync()
    {
        await foreach (var e in _tail)
        {
            if (e.Event == "usage_reported" && MeshUsage.Parse(e.Data.GetRawText()) is { } usage)
            {
                _byAgent.AddOrUpdate(
                    e.Agent,
                    _ => new AgentUsage(usage.InputTokens ?? 0, usage.OutputTokens ?? 0, 1),
                    (_, total) => new AgentUsage(total.InputTokens + (usage.InputTokens ?? 0), total.OutputTokens + (usage.OutputTokens ?? 0), total.Events + 1));
            }
        }
    }
    #endregion

    public async ValueTask DisposeAsync()
    {
        await _tail.DisposeAsync();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);   // the tail ends when disposed
    }
}
