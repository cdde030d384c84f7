using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OamOrleans.Client;

/// <summary>Registers a <see cref="MeshClient"/> in a service collection, like NATS.Net's <c>AddNatsClient</c>.</summary>
public static class MeshClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers one shared <see cref="MeshClient"/> (a singleton, disposed with the container) configured from
    /// <see cref="MeshClientOptions"/> (bind them with <c>services.Configure&lt;MeshClientOptions&gt;(section)</c> or pass
    /// <paramref name="configure"/>). As with NATS.Net's <c>AddNatsClient</c>, nothing connects at registration: the client
    /// connects when it is first resolved, and resolving throws <see cref="OptionsValidationException"/> for invalid options
    /// or <see cref="ConnectionFailedException"/> when the mesh cannot be reached. The container's
    /// <see cref="ILoggerFactory"/> is used unless the options name one.
    /// </summary>
    public static IServiceCollection AddMeshClient(this IServiceCollection services, Action<MeshClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddMeshClient().AddOptions<MeshClientOptions>().Configure(configure);
        return services;
    }

    /// <summary>Registers a <see cref="MeshClient"/> configured elsewhere (e.g. <c>Configure&lt;MeshClientOptions&gt;(section)</c>).</summary>
    public static IServiceCollection AddMeshClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<MeshClientOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MeshClientOptions>, MeshClientOptionsValidator>());
        services.TryAddSingleton(Connect);
        return services;
    }

    /// <summary>Registers a <see cref="MeshClient"/> for the mesh at <paramref name="url"/>; see <see cref="AddMeshClient(IServiceCollection, Action{MeshClientOptions})"/>.</summary>
    public static IServiceCollection AddMeshClient(this IServiceCollection services, string url, Action<MeshClientOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        return services.AddMeshClient(o =>
        {
            o.Url = url;
            configure?.Invoke(o);
        });
    }

    private static MeshClient Connect(IServiceProvider services)
    {
        // Value validates (IValidateOptions) and throws OptionsValidationException listing every problem.
        var options = services.GetRequiredService<IOptions<MeshClientOptions>>().Value;
        if (options.LoggerFactory is null && services.GetService<ILoggerFactory>() is { } loggerFactory)
        {
            options = options with { LoggerFactory = loggerFactory };
        }

        // A DI factory is synchronous; every await in the client is ConfigureAwait(false), so blocking here cannot deadlock.
        return MeshClient.ConnectAsync(options: options).AsTask().GetAwaiter().GetResult();
    }
}
