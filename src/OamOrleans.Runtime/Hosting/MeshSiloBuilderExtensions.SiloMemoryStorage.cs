using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OamOrleans.Storage;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;

namespace OamOrleans.Hosting;

// The silo-local in-memory grain storage provider. Its overloads keep the shape they shipped with in their own class
// (Orleans' provider-extension pattern), which the public-API analyzer's optional-parameter rule flags as new API.
#pragma warning disable RS0027
public static partial class MeshSiloBuilderExtensions
{
    /// <summary>
    /// Adds a named grain storage that keeps grain state in this silo's memory, without the storage-grain call of Orleans'
    /// memory storage. For a single silo only: in a cluster, state written on one silo is not seen by another
    /// (a warning is logged when a second silo joins); use NATS KV storage or Orleans' memory storage there.
    /// </summary>
    public static ISiloBuilder AddSiloMemoryGrainStorage(this ISiloBuilder builder, string name, Action<SiloMemoryGrainStorageOptions> configureOptions) =>
        builder.AddSiloMemoryGrainStorage(name, ob => ob.Configure(configureOptions));

    /// <summary>
    /// Adds a named silo-local in-memory grain storage (default name <c>oam-state</c>, the conversation state of the mesh).
    /// See <see cref="AddSiloMemoryGrainStorage(ISiloBuilder, string, Action{SiloMemoryGrainStorageOptions})"/>.
    /// </summary>
    public static ISiloBuilder AddSiloMemoryGrainStorage(
        this ISiloBuilder builder,
        string name = MeshHostOptions.DefaultStateStorageName,
        Action<OptionsBuilder<SiloMemoryGrainStorageOptions>>? configureOptions = null) =>
        builder.ConfigureServices(services => services.AddSiloMemoryGrainStorage(name, configureOptions));

    /// <summary>Adds the silo-local in-memory grain storage as the default storage provider (grains that name no provider).</summary>
    public static ISiloBuilder AddSiloMemoryGrainStorageAsDefault(this ISiloBuilder builder, Action<OptionsBuilder<SiloMemoryGrainStorageOptions>>? configureOptions = null) =>
        builder.AddSiloMemoryGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>Adds a named silo-local in-memory grain storage to a silo's service collection.</summary>
    public static IServiceCollection AddSiloMemoryGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<SiloMemoryGrainStorageOptions>>? configureOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        configureOptions?.Invoke(services.AddOptions<SiloMemoryGrainStorageOptions>(name));
        services.ConfigureNamedOptionForLogging<SiloMemoryGrainStorageOptions>(name);

        // Keyed IGrainStorage (what IPersistentState, Grain<T> and ConversationalAgent resolve); being a lifecycle
        // participant, the provider is also subscribed to the silo lifecycle by AddGrainStorage.
        return services.AddGrainStorage(name, (sp, n) =>
            ActivatorUtilities.CreateInstance<SiloMemoryGrainStorage>(sp, n, sp.GetRequiredService<IOptionsMonitor<SiloMemoryGrainStorageOptions>>().Get(n)));
    }
}
#pragma warning restore RS0027
