using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OamOrleans.Middleware;

namespace OamOrleans.Hosting;

// Agent middleware: steps every request to this silo's agents passes, in the order registered.
public static partial class MeshSiloBuilderExtensions
{
    /// <summary>
    /// Adds <typeparamref name="TMiddleware"/> (one instance from the silo's services, so its constructor can take
    /// services such as an <c>ILogger&lt;T&gt;</c>) after the middleware registered before it.
    /// </summary>
    public static ISiloBuilder AddAgentMiddleware<TMiddleware>(this ISiloBuilder builder)
        where TMiddleware : class, IAgentMiddleware
    {
        builder.AddOpenAgentMesh();
        builder.Services.TryAddSingleton<TMiddleware>();
        builder.Services.AddSingleton(AgentMiddlewareResolver.For<TMiddleware>());
        return builder;
    }

    /// <summary>Adds a middleware given as a delegate: <c>(invocation, next) =&gt; …</c>; see <see cref="IAgentMiddleware"/>.</summary>
    public static ISiloBuilder AddAgentMiddleware(this ISiloBuilder builder, Func<AgentInvocation, Func<Task>, Task> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        builder.AddOpenAgentMesh();
        var instance = new DelegateAgentMiddleware(middleware);
        builder.Services.AddSingleton(new AgentMiddlewareRegistration(_ => instance));
        return builder;
    }
}
