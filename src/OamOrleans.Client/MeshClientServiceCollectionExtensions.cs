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
    /// <paramref name="configure"/>). Nothing connects at registration or resolution, so resolving never blocks, even
    /// with the mesh down: the client's connection opens on its first operation, and the catalog cache and buckets follow
    /// in the background (the first operation waits for the catalog's first read). An operation while the mesh cannot be
    /// reached fails with <see cref="ConnectionFailedException"/> naming the URL without its password (within
    /// <see cref="MeshClientOptions.ConnectTimeout"/>), and the next one tries again. Resolving throws
    /// <see cref="OptionsValidationException"/> for invalid options. The container's <see cref="ILoggerFactory"/> is used
    /// unless the options name one. <see cref="MeshClient.ConnectAsync"/> is the eager alternative outside a container.
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
        services.TryAddSingleton(Create);
        return services;
    }

    /// <summary>
    /// Registers a <see cref="MeshClient"/> for the mesh at <paramref name="url"/> (credentials and TLS files resolved by
    /// <see cref="MeshEndpoint.Resolve"/>: <c>OAM_CREDS</c>, <c>OAM_TLS_*</c>, …); see
    /// <see cref="AddMeshClient(IServiceCollection, Action{MeshClientOptions})"/>.
    /// </summary>
    public static IServiceCollection AddMeshClient(this IServiceCollection services, string url, Action<MeshClientOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        return services.AddMeshClient(o =>
        {
            o.Endpoint = MeshEndpoint.Resolve(url);
            configure?.Invoke(o);
        });
    }

    private static MeshClient Create(IServiceProvider services)
    {
        // Value validates (IValidateOptions) and throws OptionsValidationException listing every problem.
        var options = services.GetRequiredService<IOptions<MeshClientOptions>>().Value;
        if (options.LoggerFactory is null && services.GetService<ILoggerFactory>() is { } loggerFactory)
        {
            options = options with { LoggerFactory = loggerFactory };
        }

        // A DI factory is synchronous: the client connects on first use instead of blocking the resolving thread here.
        return MeshClient.CreateDeferred(options);
    }
}
