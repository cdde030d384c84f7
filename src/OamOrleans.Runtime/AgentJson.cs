using System.Text.Json;
using OamOrleans.Client;

namespace OamOrleans;

/// <summary>Reads agent inputs and writes agent outputs with <see cref="MeshJson.AgentOptions"/>.</summary>
internal static class AgentJson
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    public static T Deserialize<T>(byte[] body) => JsonSerializer.Deserialize<T>(body, MeshJson.AgentOptions)!;

    /// <summary>Serializes an output; a null result goes on the wire as <c>{}</c>, as in the reference.</summary>
    public static byte[] SerializeOutput<T>(T value) =>
        value is null ? EmptyObject : JsonSerializer.SerializeToUtf8Bytes(value, MeshJson.AgentOptions);
}
