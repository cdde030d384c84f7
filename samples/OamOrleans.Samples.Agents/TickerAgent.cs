using System.Runtime.CompilerServices;

namespace OamOrleans.Samples.Agents;

public sealed record Tick(long N, string Utc);

/// <summary><c>demo.ticker</c>: a publisher. Every silo emits a tick per second on <c>mesh.agent.demo.ticker.events</c>.</summary>
[Agent("demo.ticker", Description = "Emits a tick every second.", Tags = ["demo", "events"])]
public sealed class TickerAgent(TimeProvider time) : PublisherAgent<Tick>
{
    protected override async IAsyncEnumerable<Tick> PublishAsync(AgentContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        for (long n = 0; await timer.WaitForNextTickAsync(cancellationToken); n++)
        {
            yield return new Tick(n, time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
