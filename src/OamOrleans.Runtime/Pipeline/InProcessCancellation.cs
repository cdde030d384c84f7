using System.Collections.Concurrent;

namespace OamOrleans.Pipeline;

/// <summary>
/// In-cluster callers' cancellation tokens by request id, for the handlers of this process. Orleans 10.4.2 cancels a
/// grain call by calling a grain extension on the target grain id; for a stateless worker that call reaches some
/// activation of the pool, rarely the one running the request, so the handler's token never fired. A stateless worker
/// always runs in the calling silo, so the caller's own token is found here instead; a handler links it (only when it
/// asks for <see cref="AgentContext.CancellationToken"/>), next to the token Orleans passes, which serves calls that
/// cross silos to a conversation.
/// </summary>
internal static class InProcessCancellation
{
    private static readonly ConcurrentDictionary<string, CancellationToken> Tokens = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="cancellationToken"/> findable by <paramref name="requestId"/> until the registration is disposed.</summary>
    public static Registration Register(string requestId, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return default;
        }

        Tokens[requestId] = cancellationToken;
        return new Registration(requestId);
    }

    /// <summary>The token an in-cluster caller of this process registered for <paramref name="requestId"/>, else none.</summary>
    public static CancellationToken Of(string requestId) =>
        requestId.Length > 0 && Tokens.TryGetValue(requestId, out var token) ? token : CancellationToken.None;

    public readonly struct Registration(string? requestId) : IDisposable
    {
        public void Dispose()
        {
            if (requestId is not null)
            {
                Tokens.TryRemove(requestId, out _);
            }
        }
    }
}
