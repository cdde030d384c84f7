using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OamOrleans.Persistence.Nats;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;

namespace OamOrleans.Hosting;

/// <summary>Registers the NATS JetStream KV grain storage provider.</summary>
public static class NatsGrainStorageSiloBuilderExtensions
{
    /// <summary>Adds a named grain storage that keeps grain state in a NATS JetStream KV bucket.</summary>
    public static ISiloBuilder AddNatsGrainStorage(this ISiloBuilder builder, string name, Action<NatsGrainStorageOptions> configureOptions) =>
        builder.ConfigureServices(services => services.AddNatsGrainStorage(name, ob => ob.Configure(configureOptions)));

    /// <summary>Adds a named grain storage on the NATS server at <paramref name="url"/> with default bucket settings.</summary>
    public static ISiloBuilder AddNatsGrainStorage(this ISiloBuilder builder, string name, string url) =>
        builder.AddNatsGrainStorage(name, options => options.Url = url);

    /// <summary>Adds a named grain storage whose options are built by an <see cref="OptionsBuilder{TOptions}"/> (e.g. bound to configuration).</summary>
    public static ISiloBuilder AddNatsGrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<NatsGrainStorageOptions>>? configureOptions) =>
        builder.ConfigureServices(services => services.AddNatsGrainStorage(name, configureOptions));

    /// <summary>Adds the NATS grain storage as the default storage provider (grains that name no provider).</summary>
    public static ISiloBuilder AddNatsGrainStorageAsDefault(this ISiloBuilder builder, Action<NatsGrainStorageOptions> configureOptions) =>
        builder.AddNatsGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>Adds the NATS grain storage on the server at <paramref name="url"/> as the default storage provider.</summary>
    public static ISiloBuilder AddNatsGrainStorageAsDefault(this ISiloBuilder builder, string url) =>
        builder.AddNatsGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, url);

    /// <summary>Adds a named NATS grain storage to a service collection.</summary>
    public static IServiceCollection AddNatsGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<NatsGrainStorageOptions>>? configureOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        configureOptions?.Invoke(services.AddOptions<NatsGrainStorageOptions>(name));
        services.AddTransient<IConfigurationValidator>(sp =>
            new NatsGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<NatsGrainStorageOptions>>().Get(name), name));
        services.ConfigureNamedOptionForLogging<NatsGrainStorageOptions>(name);
        return services.AddGrainStorage(name, (sp, n) =>
            ActivatorUtilities.CreateInstance<NatsGrainStorage>(sp, n, sp.GetRequiredService<IOptionsMonitor<NatsGrainStorageOptions>>().Get(n)));
    }
}
