using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Storage;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;

namespace OamOrleans.Hosting;

public static partial class MeshSiloBuilderExtensions
{
    /// <summary>
    /// Adds a named grain storage that keeps grain state in this silo's memory, without the storage-grain call of Orleans' memory storage. Snapshots are JSON with
    /// <see cref="System.Text.Json.JsonSerializerDefaults.Web"/>, as in NATS KV storage, so a state type that round-trips
    /// here also round-trips there. For a single silo only: in a cluster, state written on one silo is not seen by another
    /// (a warning is logged when a second silo joins); use NATS KV storage or Orleans' memory storage there.
    /// </summary>
    public static ISiloBuilder AddSiloMemoryGrainStorage(this ISiloBuilder builder, string name) =>
        builder.ConfigureServices(services => services.AddSiloMemoryGrainStorage(name));

    /// <summary>Adds the silo-local in-memory grain storage named <c>oam-state</c>, where conversational agents keep their state.</summary>
    public static ISiloBuilder AddSiloMemoryGrainStorage(this ISiloBuilder builder) =>
        builder.AddSiloMemoryGrainStorage(MeshHostOptions.DefaultStateStorageName);

    /// <summary>Adds the silo-local in-memory grain storage as the default storage provider (grains that name no provider).</summary>
    public static ISiloBuilder AddSiloMemoryGrainStorageAsDefault(this ISiloBuilder builder) =>
        builder.AddSiloMemoryGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

    /// <summary>Adds a named silo-local in-memory grain storage to a silo's service collection.</summary>
    public static IServiceCollection AddSiloMemoryGrainStorage(this IServiceCollection services, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);

        // Keyed IGrainStorage (what IPersistentState, Grain<T> and ConversationalAgent resolve); being a lifecycle
        // participant, the provider is also subscribed to the silo lifecycle by AddGrainStorage.
        return services.AddGrainStorage(name, (sp, n) => ActivatorUtilities.CreateInstance<SiloMemoryGrainStorage>(sp, n));
    }
}
