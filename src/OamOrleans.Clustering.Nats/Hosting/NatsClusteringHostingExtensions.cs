using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OamOrleans.Client;
using OamOrleans.Clustering.Nats;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;

namespace OamOrleans.Hosting;

/// <summary>Cluster membership (silos) and gateway discovery (clients) on NATS JetStream KV.</summary>
public static class NatsClusteringHostingExtensions
{
    /// <summary>Keeps this silo's cluster membership in a NATS JetStream KV bucket.</summary>
    public static ISiloBuilder UseNatsClustering(this ISiloBuilder builder, Action<NatsClusteringOptions> configureOptions) =>
        builder.ConfigureServices(services => services.UseNatsClustering(ob => ob.Configure(configureOptions)));

    /// <summary>
    /// Keeps this silo's cluster membership in NATS with default bucket settings: the silo's mesh NATS
    /// (<c>MeshHostOptions.Endpoint</c> of <c>AddOpenAgentMesh</c>), else what <see cref="MeshEndpoint.Resolve"/> finds.
    /// </summary>
    public static ISiloBuilder UseNatsClustering(this ISiloBuilder builder) =>
        builder.UseNatsClustering((Action<OptionsBuilder<NatsClusteringOptions>>?)null);

    /// <summary>
    /// Keeps this silo's cluster membership in the NATS server at <paramref name="url"/> with default bucket settings
    /// (credentials and TLS files resolved by <see cref="MeshEndpoint.Resolve"/>).
    /// </summary>
    public static ISiloBuilder UseNatsClustering(this ISiloBuilder builder, string url) =>
        builder.UseNatsClustering(options => options.Endpoint = MeshEndpoint.Resolve(url));

    /// <summary>Keeps this silo's cluster membership in NATS, with options built by an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static ISiloBuilder UseNatsClustering(this ISiloBuilder builder, Action<OptionsBuilder<NatsClusteringOptions>>? configureOptions) =>
        builder.ConfigureServices(services => services.UseNatsClustering(configureOptions));

    /// <summary>Makes this client find gateways through the NATS membership table.</summary>
    public static IClientBuilder UseNatsClustering(this IClientBuilder builder, Action<NatsClusteringOptions> configureOptions) =>
        builder.ConfigureServices(services => services.UseNatsGatewayList(ob => ob.Configure(configureOptions)));

    /// <summary>Makes this client find gateways through the NATS membership table on the server at <paramref name="url"/> (see <see cref="MeshEndpoint.Resolve"/>).</summary>
    public static IClientBuilder UseNatsClustering(this IClientBuilder builder, string url) =>
        builder.UseNatsClustering(options => options.Endpoint = MeshEndpoint.Resolve(url));

    /// <summary>Makes this client find gateways through NATS, with options built by an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static IClientBuilder UseNatsClustering(this IClientBuilder builder, Action<OptionsBuilder<NatsClusteringOptions>>? configureOptions) =>
        builder.ConfigureServices(services => services.UseNatsGatewayList(configureOptions));

    private static IServiceCollection UseNatsClustering(this IServiceCollection services, Action<OptionsBuilder<NatsClusteringOptions>>? configureOptions)
    {
        var options = services.AddOptions<NatsClusteringOptions>();
        configureOptions?.Invoke(options);
        options.PostConfigure<IServiceProvider>((o, sp) => o.Endpoint ??= sp.GetService<MeshEndpoint>());
        services.AddSingleton<IMembershipTable, NatsMembershipTable>();
        services.AddSingleton<IConfigurationValidator, NatsClusteringOptionsValidator>();
        services.ConfigureFormatter<NatsClusteringOptions>();
        return services;
    }

    private static IServiceCollection UseNatsGatewayList(this IServiceCollection services, Action<OptionsBuilder<NatsClusteringOptions>>? configureOptions)
    {
        configureOptions?.Invoke(services.AddOptions<NatsClusteringOptions>());
        services.AddSingleton<IGatewayListProvider, NatsGatewayListProvider>();
        services.AddSingleton<IConfigurationValidator, NatsClusteringOptionsValidator>();
        services.ConfigureFormatter<NatsClusteringOptions>();
        return services;
    }
}
