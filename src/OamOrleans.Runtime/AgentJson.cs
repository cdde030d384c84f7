using System.Text.Json;
using System.Text.Json.Serialization;

namespace OamOrleans;

/// <summary>
/// How agent inputs and outputs map to JSON on the wire: camelCase property names (or <c>[JsonPropertyName]</c>),
/// enums as strings, strict numbers, required constructor parameters and nullable annotations respected.
/// Contracts are generated from the same options, so the schema names the properties that go on the wire.
/// </summary>
public static class AgentJson
{
    /// <summary>The serializer options of every agent input and output, and of the schemas generated for them.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            PropertyNameCaseInsensitive = false,
            MaxDepth = 64,
            Encoder = Protocol.MeshJsonText.Encoder,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    internal static T Deserialize<T>(byte[] body) => JsonSerializer.Deserialize<T>(body, Options)!;

    /// <summary>Serializes an output; a null result goes on the wire as <c>{}</c>, as in the reference.</summary>
    internal static byte[] SerializeOutput<T>(T value) =>
        value is null ? EmptyObject : JsonSerializer.SerializeToUtf8Bytes(value, Options);
}
