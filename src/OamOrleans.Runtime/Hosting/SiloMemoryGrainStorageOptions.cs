using System.Text.Json;
using Orleans.Storage;

namespace OamOrleans.Hosting;

/// <summary>
/// Options of the silo-local in-memory grain storage (<see cref="MeshSiloBuilderExtensions.AddSiloMemoryGrainStorage(ISiloBuilder, string, Action{Microsoft.Extensions.Options.OptionsBuilder{SiloMemoryGrainStorageOptions}}?)"/>).
/// Every property has a working default.
/// </summary>
public sealed class SiloMemoryGrainStorageOptions
{
    /// <summary>
    /// JSON options of the default System.Text.Json serializer. Default: <see cref="JsonSerializerDefaults.Web"/>, the
    /// NATS KV storage's default too, so a state type that round-trips here also round-trips there.
    /// Ignored when <see cref="GrainStorageSerializer"/> is set.
    /// </summary>
    public JsonSerializerOptions? JsonSerializerOptions { get; set; }

    /// <summary>A custom serializer of the stored snapshots. Default <see langword="null"/>: System.Text.Json.</summary>
    public IGrainStorageSerializer? GrainStorageSerializer { get; set; }
}
