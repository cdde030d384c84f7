using System.Text.Json;
using System.Text.Json.Serialization;

namespace OamOrleans.Client;

/// <summary>
/// The mesh's two JSON mappings: <see cref="Options"/>, what a caller uses for payloads and replies unless it passes its
/// own, and <see cref="AgentOptions"/>, how a hosted agent's inputs and outputs map to JSON on the wire. Both use camelCase
/// property names (or <c>[JsonPropertyName]</c>) and enums as strings; a caller reads leniently, an agent checks strictly.
/// </summary>
public static class MeshJson
{
    /// <summary>
    /// The caller's mapping, web defaults: camelCase property names, case-insensitive reading, numbers readable from strings.
    /// Read-only; pass your own <see cref="JsonSerializerOptions"/> through <see cref="MeshClientOptions.JsonOptions"/>
    /// or <see cref="CallOptions.JsonOptions"/> to change the mapping.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = Freeze(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// The mapping of every hosted agent's input and output, and of the contract schemas generated for them (so a schema
    /// names the properties that go on the wire): camelCase property names, strict numbers, case-sensitive names, required
    /// constructor parameters and nullable annotations respected. Read-only.
    /// </summary>
    public static JsonSerializerOptions AgentOptions { get; } = Freeze(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        PropertyNameCaseInsensitive = false,
        MaxDepth = 64,
    });

    private static JsonSerializerOptions Freeze(JsonSerializerOptions options)
    {
        options.Encoder = OamOrleans.Protocol.MeshJsonText.Encoder;
        // Enums travel as their names, as agents hosted by OamOrleans declare them in their contracts.
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
