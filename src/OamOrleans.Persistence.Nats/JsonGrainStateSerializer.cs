using System.Text.Json;
using Orleans.Storage;

namespace OamOrleans.Persistence.Nats;

/// <summary>The default state serializer: UTF-8 JSON with System.Text.Json, readable with <c>nats kv get</c>.</summary>
internal sealed class JsonGrainStateSerializer(JsonSerializerOptions? options) : IGrainStorageSerializer
{
    public JsonSerializerOptions Options { get; } = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options) ?? throw new JsonException($"The stored JSON is null, not a {typeof(T)}.");
}
