namespace OamOrleans.Internal;

// The bridge-to-grain contract. Public only because Orleans generates the grain classes' invokers in the assemblies
// that declare the agents (derived from AgentGrain); application code uses AgentReference and IAgentMesh instead.

/// <summary>The grain interface of responder and trigger agents: one JSON request in, one outcome out.</summary>
[Alias("oam.IAgentGrain")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Runs one request through the agent's pipeline (validate, conversation, middleware, handler) and returns how it ended.</summary>
    [Alias("invoke")]
    Task<AgentOutcome> InvokeAsync(AgentRequest request);

    /// <summary>
    /// Several requests in one grain call (the bridge batches what a stateless agent's subscription already holds):
    /// the handlers run concurrently, each exactly as <see cref="InvokeAsync"/> would run it; the outcomes come back in
    /// the order of <paramref name="requests"/>. Used for stateless agents only (a conversation's turns must not overlap).
    /// </summary>
    [Alias("invoke-batch")]
    Task<AgentOutcome[]> InvokeBatchAsync(AgentRequest[] requests);
}

/// <summary>
/// The grain interface of streaming agents. The grain publishes its frames to <c>mesh.stream.{request_id}</c> itself, one
/// message per chunk as the chunks are produced, from the silo it runs on (so frames leave in order over one
/// connection); the call returns when the stream has ended, at the latest when <c>deadline</c> has passed.
/// </summary>
/// <remarks>
/// The deadline is an argument, not a grain-call <see cref="CancellationToken"/>: tried on Orleans 10.4.2, the caller's
/// call ended at once but the token never fired inside this stateless-worker grain, so the stream ran on without its
/// timeout frame (PublisherLifecycleTests' deadline test). The response timeout below must outlast the longest deadline.
/// </remarks>
[Alias("oam.IStreamingAgentGrain")]
public interface IStreamingAgentGrain : IGrainWithStringKey
{
    /// <summary>Runs a stream request, publishing its frames as they are produced; returns the outcome once the end or error frame is out, or when <paramref name="deadline"/> passes.</summary>
    [Alias("stream"), ResponseTimeout("01:00:00")]
    Task<AgentOutcome> StreamAsync(AgentRequest request, TimeSpan deadline);
}

/// <summary>The grain interface of publisher agents: one activation per silo runs the event generator in the background.</summary>
[Alias("oam.IPublisherAgentGrain")]
public interface IPublisherAgentGrain : IGrainWithStringKey
{
    /// <summary>Starts the publisher's generator on this silo (the bridge calls it once the silo is active); a second call is a no-op.</summary>
    [Alias("start")]
    Task StartAsync();

    /// <summary>Stops the generator, publishes its end frame and deactivates (the bridge calls it before the silo stops).</summary>
    [Alias("stop")]
    Task StopAsync();
}

/// <summary>The grain interface of source-only agents: one delivery from a subject or KV source.</summary>
[Alias("oam.ISourceAgentGrain")]
public interface ISourceAgentGrain : IGrainWithStringKey
{
    /// <summary>Hands one message or KV change to the agent's handler; a failure is logged, never returned.</summary>
    [Alias("deliver")]
    Task DeliverAsync(SourceDelivery delivery);
}
