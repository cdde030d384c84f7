using System.Runtime.CompilerServices;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Samples.Cookbook.ErrorHandling;

/// <summary>
/// The recipe's dead-letter monitor: every error an agent answers is also published on <c>mesh.errors.{name}</c>.
/// Core NATS only: what is published while nobody listens is gone.
/// </summary>
public static class ErrorMonitor
{
    /// <summary>The error envelopes of every agent (or of the agents under <paramref name="channel"/>) as they happen.</summary>
    public static async IAsyncEnumerable<ErrorEnvelope> WatchAsync(MeshClient mesh, string? channel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var subject = MeshSubjects.ErrorsPrefix + (channel is null ? ">" : channel + ".>");
        await foreach (var frame in mesh.SubscribeRawAsync(subject: subject, cancellationToken: cancellationToken))
        {
            yield return ErrorEnvelope.Parse(frame.Body.Span);
        }
    }
}
