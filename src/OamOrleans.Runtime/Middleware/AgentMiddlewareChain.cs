using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OamOrleans.Client;
using OamOrleans.Internal;
using OamOrleans.Protocol;

namespace OamOrleans.Middleware;

/// <summary>A middleware as registered: how to get the instance from the silo's services.</summary>
internal sealed record AgentMiddlewareRegistration(Func<IServiceProvider, IAgentMiddleware> Resolve);

/// <summary>A middleware given as a delegate.</summary>
internal sealed class DelegateAgentMiddleware(Func<AgentInvocation, Func<Task>, Task> middleware) : IAgentMiddleware
{
    public Task InvokeAsync(AgentInvocation invocation, Func<Task> nextStep) => middleware(invocation, nextStep);
}

/// <summary>
/// The middleware step of the request pipeline: runs the registered middleware in order around the invoke step and turns
/// what they throw into the request's outcome (a <see cref="MeshException"/> keeps its code, anything else is
/// <c>handler_error</c>). Never throws.
/// </summary>
internal sealed partial class AgentMiddlewareChain(IEnumerable<AgentMiddlewareRegistration> registrations, IServiceProvider services, ILogger<AgentMiddlewareChain> logger)
{
    private IAgentMiddleware[]? _middleware;
    private readonly bool _any = registrations.Any();

    /// <summary>True when at least one middleware is registered: without one, the pipeline skips this step entirely.</summary>
    public bool Any => _any;

    private IAgentMiddleware[] Middleware => _middleware ??= registrations.Select(r => r.Resolve(services)).ToArray();

    /// <summary>Runs the middleware around <paramref name="invoke"/> and returns the outcome the caller gets.</summary>
    public async Task<AgentOutcome> RunAsync(AgentInvocation invocation, Func<Task<AgentOutcome>> invoke)
    {
        var middleware = Middleware;
        var invoked = 0;
        try
        {
            await Next(0)();
        }
        catch (MeshException e)
        {
            invocation.Complete(AgentOutcome.Failure(AgentError.From(e)) with { Count = invocation.StreamChunks, Delivered = invocation.IsStream && invoked == 1 });
        }
        catch (Exception e)
        {
            LogMiddlewareFailed(logger, e, invocation.AgentName, invocation.RequestId);
            invocation.Complete(AgentOutcome.Failure(MeshErrorCodes.HandlerError, $"Middleware of agent '{invocation.AgentName}' failed: {e.Message}")
                with { Count = invocation.StreamChunks, Delivered = invocation.IsStream && invoked == 1 });
        }

        var outcome = invocation.Outcome ?? AgentOutcome.Failure(MeshErrorCodes.HandlerError, $"A middleware of agent '{invocation.AgentName}' ended the request without calling next() or throwing");
        return invocation.Finish(outcome);

        Func<Task> Next(int index) => index < middleware.Length
            ? () => middleware[index].InvokeAsync(invocation, Next(index + 1))
            : async () =>
            {
                if (Interlocked.Exchange(ref invoked, 1) != 0)
                {
                    throw new InvalidOperationException("next() was called twice: the agent runs once per request");
                }

                invocation.Complete(await invoke());
            };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A middleware of agent '{Agent}' threw on request {RequestId}; answered handler_error")]
    private static partial void LogMiddlewareFailed(ILogger logger, Exception exception, string agent, string requestId);
}

/// <summary>Resolves middleware registered by type from the silo's services.</summary>
internal static class AgentMiddlewareResolver
{
    public static AgentMiddlewareRegistration For<T>()
        where T : class, IAgentMiddleware => new(static sp => sp.GetRequiredService<T>());
}
