using System.Collections.Concurrent;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.AdminUi.Mesh;

/// <summary>One agent's usage since the UI started: the sum of its <c>usage_reported</c> log events.</summary>
internal sealed record AgentUsage(string Agent, long Reports, long InputTokens, long OutputTokens, long TotalTokens, double CostUsd, IReadOnlyList<string> Models);

/// <summary>
/// Adds up the <c>usage_reported</c> events hosts publish on <c>mesh.logs.{name}</c> (info level, so an agent whose
/// level is warn or above reports none). Totals start when the UI starts: the mesh keeps no usage history.
/// </summary>
internal sealed class UsageTotals
{
    private readonly ConcurrentDictionary<string, AgentUsage> _totals = new(StringComparer.Ordinal);

    /// <summary>Raised after every counted event (on a background thread).</summary>
    public event Action? Changed;

    public DateTimeOffset Since { get; } = DateTimeOffset.UtcNow;

    public IReadOnlyList<AgentUsage> Snapshot() => [.. _totals.Values.OrderBy(u => u.Agent, StringComparer.Ordinal)];

    public async Task RunAsync(MeshClient client, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var log in client.Observe.LogsAsync(cancellationToken: cancellationToken))
                {
                    if (log.Event == "usage_reported" && MeshUsage.Parse(log.Data.ValueKind == System.Text.Json.JsonValueKind.Object ? log.Data.GetRawText() : null) is { } usage)
                    {
                        Add(log.Agent, usage);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (NATS.Client.Core.NatsException)
            {
                // The tail broke (e.g. the connection was closed): take it up again shortly.
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Add(string agent, MeshUsage usage)
    {
        _totals.AddOrUpdate(
            agent,
            static (name, u) => new AgentUsage(name, 1, u.InputTokens ?? 0, u.OutputTokens ?? 0, u.TotalTokens ?? 0, u.EstimatedCostUsd ?? 0, u.Model is { } m ? [m] : []),
            static (_, total, u) => total with
            {
                Reports = total.Reports + 1,
                InputTokens = total.InputTokens + (u.InputTokens ?? 0),
                OutputTokens = total.OutputTokens + (u.OutputTokens ?? 0),
                TotalTokens = total.TotalTokens + (u.TotalTokens ?? 0),
                CostUsd = total.CostUsd + (u.EstimatedCostUsd ?? 0),
                Models = u.Model is { } m && !total.Models.Contains(m) ? [.. total.Models, m] : total.Models,
            },
            usage);
        Changed?.Invoke();
    }
}
