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
    #region DeadLetterMonitor
    /// <summary>The error envelopes of every agent (or of the agents under <paramref name="channel"/>) as they happen.</summary>
    public static async IAsyncEnumerable<ErrorEnvelope> WatchAsync(MeshClient mesh, string? channel = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var subject = MeshSubjects.ErrorsPrefix + (channel is null ? ">" : channel + ".>");
        // NATS.Net's own subscription: MeshClient.SubscribeAsync is for agent events, and ends at an error frame.
        await foreach (var message in mesh.Connection.SubscribeAsync<byte[]>(subject, cancellationToken: cancellationToken))
        {
            yield return ErrorEnvelope.Parse(message.Data);
        }
    }
    #endregion
}
