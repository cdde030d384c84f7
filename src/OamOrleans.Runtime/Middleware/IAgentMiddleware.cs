namespace OamOrleans;

/// <summary>
/// A step every request to this silo's agents passes between validation and the agent (register it with
/// <c>silo.AddAgentMiddleware&lt;T&gt;()</c>): over NATS, by name inside the cluster, calls and streams alike. Middleware
/// runs in the order registered, the first one outermost.
/// </summary>
/// <remarks>
/// Call <c>nextStep()</c> once to run the rest (the next middleware, then the agent); afterwards
/// <see cref="AgentInvocation.Status"/> and the outcome properties say how it ended. Throw a
/// <see cref="Client.MeshException"/> to refuse the request with its code (before <c>nextStep</c>: the agent never runs); any
/// other exception is answered <c>handler_error</c> and the silo keeps serving. A stream's frames and end frame are already
/// out when <c>nextStep</c> returns: what a middleware does afterwards is recorded (usage, logs, metrics, span), not sent.
/// </remarks>
public interface IAgentMiddleware
{
    /// <summary>Handles one request; <paramref name="nextStep"/> runs the rest of the pipeline.</summary>
    Task InvokeAsync(AgentInvocation invocation, Func<Task> nextStep);
}
