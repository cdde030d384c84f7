using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>What a caller does with an agent; the client-side pre-flight check (§7.4) depends on it.</summary>
internal enum MeshVerb
{
    Call,
    Stream,
    Send,
    Subscribe,
}

/// <summary>
/// The reference's client-side pre-flight check (§7.4): a verb that does not fit the agent's shape (its catalog
/// <c>invocable</c> and <c>streaming</c> flags) fails with <c>invocation_mismatch</c> before anything goes on the wire.
/// An unknown shape passes.
/// </summary>
internal static class CallPreflight
{
    /// <exception cref="InvocationMismatchException">The verb does not fit the shape.</exception>
    public static void Check(string agent, MeshVerb verb, bool? invocable, bool? streaming)
    {
        if (invocable is not { } inv || streaming is not { } str)
        {
            return;
        }

        var suffix = (verb, inv, str) switch
        {
            (MeshVerb.Call, false, true) => "is a publisher and cannot be called. Subscribe to its events instead",
            (MeshVerb.Call, false, false) => "is a background task and cannot be called",
            (MeshVerb.Call, true, true) => "is streaming-only. Use stream() instead",
            (MeshVerb.Stream, false, true) => "is a publisher and cannot be streamed. Subscribe to its events instead",
            (MeshVerb.Stream, false, false) => "is a background task and cannot be streamed",
            (MeshVerb.Stream, true, false) => "does not support streaming. Use call() instead",
            (MeshVerb.Send, false, true) => "is a publisher and cannot be sent to. Subscribe to its events instead",
            (MeshVerb.Send, false, false) => "is a background task and cannot be sent to",
            (MeshVerb.Subscribe, true, true) => "streams responses to requests. Use stream() instead",
            (MeshVerb.Subscribe, true, false) => "does not publish events. Use call() instead",
            (MeshVerb.Subscribe, false, false) => "is a background task and does not publish events",
            _ => null,
        };
        if (suffix is not null)
        {
            throw new InvocationMismatchException($"Agent '{agent}' {suffix}", agent);
        }
    }

    /// <inheritdoc cref="Check(string, MeshVerb, bool?, bool?)"/>
    public static void Check(string agent, MeshVerb verb, CatalogEntry? entry) => Check(agent, verb, entry?.Invocable, entry?.Streaming);
}
