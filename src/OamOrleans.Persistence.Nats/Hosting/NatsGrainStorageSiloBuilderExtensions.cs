using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OamOrleans.Client;
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

    /// <summary>
    /// Adds a named grain storage with default bucket settings on the silo's mesh NATS (<c>MeshHostOptions.Endpoint</c>
    /// of <c>AddOpenAgentMesh</c>), else on the endpoint <see cref="MeshEndpoint.Resolve"/> finds (<c>OAM_URL</c>, …).
    /// </summary>
    public static ISiloBuilder AddNatsGrainStorage(this ISiloBuilder builder, string name) =>
        builder.AddNatsGrainStorage(name, (Action<OptionsBuilder<NatsGrainStorageOptions>>?)null);

    /// <summary>
    /// Adds a named grain storage on the NATS server at <paramref name="url"/> with default bucket settings (credentials
    /// and TLS files resolved by <see cref="MeshEndpoint.Resolve"/>: <c>OAM_CREDS</c>, <c>OAM_TLS_*</c>, …).
    /// </summary>
    public static ISiloBuilder AddNatsGrainStorage(this ISiloBuilder builder, string name, string url) =>
        builder.AddNatsGrainStorage(name, options => options.Endpoint = MeshEndpoint.Resolve(url));

    /// <summary>
    /// Adds a named grain storage whose options are built by an <see cref="OptionsBuilder{TOptions}"/> (e.g. bound to
    /// configuration); with no options and no <see cref="NatsGrainStorageOptions.Endpoint"/>, on the silo's mesh NATS.
    /// </summary>
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
        var options = services.AddOptions<NatsGrainStorageOptions>(name);
        configureOptions?.Invoke(options);
        options.PostConfigure<IServiceProvider>((o, sp) => o.Endpoint ??= sp.GetService<MeshEndpoint>());
        services.AddTransient<IConfigurationValidator>(sp =>
            new NatsGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<NatsGrainStorageOptions>>().Get(name), name));
        services.ConfigureNamedOptionForLogging<NatsGrainStorageOptions>(name);
        return services.AddGrainStorage(name, (sp, n) =>
            ActivatorUtilities.CreateInstance<NatsGrainStorage>(sp, n, sp.GetRequiredService<IOptionsMonitor<NatsGrainStorageOptions>>().Get(n)));
    }
}
