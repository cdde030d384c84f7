namespace OamOrleans.Internal;

// The bridge-to-grain contract, internal: Orleans generates the invokers and codecs here, in the assembly that declares
// the interfaces, and agent classes in other assemblies (derived from AgentGrain) need none of their own. Application
// code uses AgentReference and IAgentMesh instead.

/// <summary>
/// The grain interface of responder and trigger agents: one JSON request in, one outcome out. Two entries, one per kind
/// of caller, so every request passes the pipeline's steps (receive, prepare, middleware, turn, record) exactly once:
/// <see cref="InvokeAsync"/> for a request a silo's request pipeline already prepared (over NATS or by name, whichever
/// silo the grain lives on), <see cref="CallAsync"/> for a request nobody prepared (a typed grain reference, a silo that
/// does not host the agent), which the grain's own silo runs through its pipeline.
/// </summary>
[Alias("oam.IAgentGrain")]
internal interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Runs one turn of a request a request pipeline prepared (validated, conversation resolved, middleware run).</summary>
    /// <param name="request">The prepared request.</param>
    /// <param name="cancellationToken">The caller's cancellation: it reaches the handler's <see cref="AgentContext.CancellationToken"/>.</param>
    [Alias("invoke")]
    ValueTask<AgentOutcome> InvokeAsync(AgentRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Several prepared requests in one grain call (the bridge batches what a stateless agent's subscription already
    /// holds): the handlers run concurrently, each exactly as <see cref="InvokeAsync"/> would run it; the outcomes come
    /// back in the order of <paramref name="requests"/>. Used for stateless agents only (a conversation's turns must not overlap).
    /// </summary>
    [Alias("invoke-batch")]
    ValueTask<AgentOutcome[]> InvokeBatchAsync(AgentRequest[] requests, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a request nobody prepared through the request pipeline of the silo the grain lives on: received, checked
    /// against the agent's schema, middleware, the turn, recorded (logs, metrics, span), exactly as a NATS request is.
    /// </summary>
    /// <param name="request">The request as the caller made it; its conversation is resolved again by the agent's rules.</param>
    /// <param name="cancellationToken">The caller's cancellation: it reaches the handler's <see cref="AgentContext.CancellationToken"/>.</param>
    [Alias("call")]
    ValueTask<AgentOutcome> CallAsync(AgentRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The grain interface of streaming agents. The grain publishes its frames to <c>mesh.stream.{request_id}</c> itself, one
/// message per chunk as the chunks are produced, from the silo it runs on (so frames leave in order over one
/// connection); the call returns when the stream has ended, at the latest when the request's
/// <see cref="AgentRequest.Timeout"/> has passed.
/// </summary>
/// <remarks>
/// The deadline travels in the request, not as a cancelled grain-call token: a caller that cancels its grain call is
/// answered at once with <see cref="OperationCanceledException"/>, while the stream must still end with its own
/// <c>timeout</c> frame, sent by the grain after its last chunk. The response timeout below must outlast the longest deadline.
/// </remarks>
[Alias("oam.IStreamingAgentGrain")]
internal interface IStreamingAgentGrain : IGrainWithStringKey
{
    /// <summary>Runs a prepared stream request, publishing its frames as they are produced; returns the outcome once the end or error frame is out.</summary>
    /// <param name="request">The prepared request; its <see cref="AgentRequest.Timeout"/> is the stream's total deadline.</param>
    /// <param name="cancellationToken">The caller's cancellation: it ends the stream with an error frame.</param>
    [Alias("stream"), ResponseTimeout("01:00:00")]
    Task<AgentOutcome> StreamAsync(AgentRequest request, CancellationToken cancellationToken);
}

/// <summary>The grain interface of publisher agents: one activation per silo runs the event generator in the background.</summary>
[Alias("oam.IPublisherAgentGrain")]
internal interface IPublisherAgentGrain : IGrainWithStringKey
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
internal interface ISourceAgentGrain : IGrainWithStringKey
{
    /// <summary>Hands one message or KV change to the agent's handler; a failure is logged, never returned.</summary>
    [Alias("deliver")]
    Task DeliverAsync(SourceDelivery delivery);
}
