using System.Runtime.CompilerServices;

namespace OamOrleans.Cli.Tests;

/// <summary>Publishers with one-, two- and three-segment names: an invoker must hear the events of each depth.</summary>
internal static class Pulses
{
    public static async IAsyncEnumerable<int> EveryTwentyMs([EnumeratorCancellation] CancellationToken ct)
    {
        for (var n = 0; ; n++)
        {
            await Task.Delay(20, ct);
            yield return n;
        }
    }
}

[Agent("pulse", Description = "A one-segment publisher.")]
public sealed class RootPulseAgent : PublisherAgent<int>
{
    protected override IAsyncEnumerable<int> PublishAsync(AgentContext context, CancellationToken cancellationToken) => Pulses.EveryTwentyMs(cancellationToken);
}

[Agent("auth.pulse", Description = "A two-segment publisher.")]
public sealed class ChannelPulseAgent : PublisherAgent<int>
{
    protected override IAsyncEnumerable<int> PublishAsync(AgentContext context, CancellationToken cancellationToken) => Pulses.EveryTwentyMs(cancellationToken);
}

[Agent("auth.deep.pulse", Description = "A three-segment publisher.")]
public sealed class DeepPulseAgent : PublisherAgent<int>
{
    protected override IAsyncEnumerable<int> PublishAsync(AgentContext context, CancellationToken cancellationToken) => Pulses.EveryTwentyMs(cancellationToken);
}
