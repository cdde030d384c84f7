using System.Text.Json;

namespace OamOrleans.Client;

/// <summary>The JSON settings the mesh client uses for payloads and replies unless a caller passes its own.</summary>
public static class MeshJson
{
    /// <summary>
    /// Web defaults: camelCase property names, case-insensitive reading, numbers readable from strings.
    /// Read-only; pass your own <see cref="JsonSerializerOptions"/> through <see cref="MeshClientOptions.JsonOptions"/>
    /// or <see cref="CallOptions.JsonOptions"/> to change the mapping.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = OamOrleans.Protocol.MeshJsonText.Encoder };
        // Enums travel as their names, as agents hosted by OamOrleans declare them in their contracts.
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
