using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NJsonSchema;
using NJsonSchema.Generation;
using OamOrleans.Client;

namespace OamOrleans;

/// <summary>
/// Generates the JSON Schemas of an agent's contract with NJsonSchema from the C# types, using the wire names of
/// <see cref="MeshJson.AgentOptions"/>, and renders them in the Pydantic v2 shape the reference writes
/// (<c>title</c> on models, <c>$defs</c> + <c>$ref</c>, no <c>$schema</c>).
/// </summary>
internal static class AgentSchemas
{
    public static JsonSchema Generate(Type type)
    {
        var settings = new SystemTextJsonSchemaGeneratorSettings
        {
            SerializerOptions = MeshJson.AgentOptions,
            SchemaType = SchemaType.JsonSchema,
            DefaultReferenceTypeNullHandling = ReferenceTypeNullHandling.NotNull,
            AlwaysAllowAdditionalObjectProperties = true,
            FlattenInheritanceHierarchy = true,
            GenerateEnumMappingDescription = false,
        };
        settings.SchemaProcessors.Add(new RequiredMembersProcessor());
        return JsonSchema.FromType(type, settings);
    }

    /// <summary>The schema as it goes into the contract document.</summary>
    public static JsonNode ToContractJson(JsonSchema schema)
    {
        var node = JsonNode.Parse(schema.ToJson())!;
        if (node is JsonObject root)
        {
            root.Remove("$schema");
            if (root["type"] is JsonValue t && t.TryGetValue<string>(out var jsonType) && jsonType is "string" or "integer" or "number" or "boolean" or "array")
            {
                // Pydantic gives scalars and lists no title ({"type": "string"}).
                root.Remove("title");
            }

            if (root["definitions"] is { } defs)
            {
                root.Remove("definitions");
                root["$defs"] = defs;
            }
        }

        RewriteRefs(node);
        return node;
    }

    private static void RewriteRefs(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue r && r.TryGetValue<string>(out var target) && target.StartsWith("#/definitions/", StringComparison.Ordinal))
                {
                    obj["$ref"] = "#/$defs/" + target["#/definitions/".Length..];
                }

                foreach (var (_, child) in obj.ToArray())
                {
                    RewriteRefs(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    RewriteRefs(child);
                }

                break;
        }
    }

    /// <summary>
    /// Marks as required exactly what System.Text.Json requires when deserializing with <see cref="MeshJson.AgentOptions"/>:
    /// positional constructor parameters without a default value, <c>required</c> members and <c>[JsonRequired]</c>.
    /// </summary>
    private sealed class RequiredMembersProcessor : ISchemaProcessor
    {
        public void Process(SchemaProcessorContext context)
        {
            var type = context.ContextualType.Type;
            var schema = context.Schema;
            if (schema.Type != JsonObjectType.Object && schema.ActualProperties.Count == 0)
            {
                return;
            }

            var ctorParams = type.GetConstructors()
                .OrderByDescending(c => c.GetParameters().Length)
                .FirstOrDefault()?.GetParameters() ?? [];
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var wireName = WireName(property);
                if (!schema.Properties.ContainsKey(wireName))
                {
                    continue;
                }

                var ctorParam = Array.Find(ctorParams, p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                var required =
                    (ctorParam is not null && !ctorParam.HasDefaultValue) ||
                    property.GetCustomAttribute<JsonRequiredAttribute>() is not null ||
                    property.GetCustomAttribute<System.Runtime.CompilerServices.RequiredMemberAttribute>() is not null;
                if (required)
                {
                    schema.RequiredProperties.Add(wireName);
                }
                else
                {
                    schema.RequiredProperties.Remove(wireName);
                }

                // Pydantic titles each field; the C# property name is the same word capitalised.
                schema.Properties[wireName].Title ??= property.Name;
            }

            schema.Title ??= type.Name;
        }

        internal static string WireName(PropertyInfo property) =>
            property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
            ?? MeshJson.AgentOptions.PropertyNamingPolicy?.ConvertName(property.Name)
            ?? property.Name;
    }

    public static string WireName(PropertyInfo property) => RequiredMembersProcessor.WireName(property);
}
