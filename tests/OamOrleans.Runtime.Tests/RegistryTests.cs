using System.Text.Json.Nodes;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.ReferenceCapture;

namespace OamOrleans.Runtime.Tests;

/// <summary>Registry, catalog and instance documents written by a silo, field by field against the reference capture.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public class RegistryTests(MeshFixture mesh)
{
    private async Task<JsonNode> ReadAsync(string bucket, string key)
    {
        var store = await mesh.Raw.CreateKeyValueStoreContext().GetStoreAsync(bucket);
        var entry = await store.GetEntryAsync<byte[]>(key);
        return JsonNode.Parse(entry.Value!)!;
    }

    [Fact]
    public async Task Contract_has_the_reference_keys_in_the_reference_order()
    {
        var ours = await ReadAsync("mesh-registry", "demo.echo");
        var theirs = Body("$KV.mesh-registry.nlp.echo");

        Assert.Equal(Keys(theirs), Keys(ours));
        Assert.Equal(Keys(theirs["capabilities"]), Keys(ours["capabilities"]));
        Assert.Equal(Keys(theirs["skills"]![0]), Keys(ours["skills"]![0]));
        Assert.Equal(Keys(theirs["x-agentmesh"]), Keys(ours["x-agentmesh"]));
        Assert.Single(ours["skills"]!.AsArray());

        Assert.Equal("demo.echo", (string?)ours["name"]);
        Assert.Equal("Echoes a message.", (string?)ours["description"]);
        Assert.Equal("1.0.0", (string?)ours["version"]);
        Assert.False((bool)ours["capabilities"]!["streaming"]!);
        Assert.True((bool)ours["capabilities"]!["invocable"]!);
        Assert.Equal("demo.echo", (string?)ours["skills"]![0]!["id"]);
        Assert.Equal("demo.echo", (string?)ours["skills"]![0]!["name"]);
        Assert.Equal("mesh.agent.demo.echo", (string?)ours["x-agentmesh"]!["subject"]);
        Assert.Equal(["demo", "text"], ours["x-agentmesh"]!["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Equal(["demo", "text"], ours["skills"]![0]!["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$", (string?)ours["x-agentmesh"]!["registered_at"]);
    }

    [Fact]
    public async Task Schemas_generated_from_csharp_records_equal_the_pydantic_schemas_of_the_same_models()
    {
        var ours = (await ReadAsync("mesh-registry", "demo.echo"))["skills"]![0]!;
        var theirs = Body("$KV.mesh-registry.nlp.echo")["skills"]![0]!;
        Assert.True(JsonNode.DeepEquals(Sorted(theirs["inputSchema"]), Sorted(ours["inputSchema"])), ours["inputSchema"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(Sorted(theirs["outputSchema"]), Sorted(ours["outputSchema"])), ours["outputSchema"]!.ToJsonString());
    }

    [Fact]
    public async Task Scalar_agents_get_scalar_schemas_and_triggers_have_no_input_schema()
    {
        var greet = (await ReadAsync("mesh-registry", "demo.greet"))["skills"]![0]!;
        Assert.True(JsonNode.DeepEquals(Body("$KV.mesh-registry.greet")["skills"]![0]!["inputSchema"], greet["inputSchema"]), greet.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"string"}"""), greet["outputSchema"]));

        var clock = (await ReadAsync("mesh-registry", "demo.clock"))["skills"]![0]!.AsObject();
        Assert.False(clock.ContainsKey("inputSchema"));
        Assert.True(clock.ContainsKey("outputSchema"));
    }

    [Fact]
    public async Task Nested_models_use_defs_and_refs_and_required_follows_the_csharp_types()
    {
        var schema = (await ReadAsync("mesh-registry", "test.typed"))["skills"]![0]!["inputSchema"]!.AsObject();
        Assert.False(schema.ContainsKey("$schema"));
        Assert.Equal("TypedIn", (string?)schema["title"]);
        var required = schema["required"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["count", "home", "mood", "name", "tags"], required);
        Assert.True(schema["$defs"]!.AsObject().ContainsKey("Address"));
        Assert.Contains("#/$defs/", schema.ToJsonString());
        Assert.DoesNotContain("#/definitions/", schema.ToJsonString());
    }

    [Fact]
    public async Task Catalog_entries_have_exactly_the_reference_fields()
    {
        var catalog = (await ReadAsync("mesh-catalog", "catalog")).AsArray();
        var theirs = Body("$KV.mesh-catalog.catalog").AsArray()[0];
        var echo = catalog.Single(e => (string?)e!["name"] == "demo.echo")!;
        Assert.Equal(Keys(theirs), Keys(echo));
        Assert.Equal("Echoes a message.", (string?)echo["description"]);
        Assert.Equal("1.0.0", (string?)echo["version"]);
        Assert.True((bool)echo["invocable"]!);
        Assert.False((bool)echo["streaming"]!);
        foreach (var name in mesh.Silo.Mesh.Agents)
        {
            Assert.Contains(catalog, e => (string?)e!["name"] == name);
        }
    }

    [Fact]
    public async Task Instance_record_lists_the_hosted_agents_sorted()
    {
        var record = await ReadAsync("mesh-instances", mesh.Silo.Mesh.InstanceId);
        Assert.Equal(Keys(Body("$KV.mesh-instances.140be770414a4f9a80e9272cf9958be3")), Keys(record));
        var agents = record["agents"]!.AsArray().Select(a => (string)a!).ToArray();
        Assert.Equal(mesh.Silo.Mesh.Agents.Order(StringComparer.Ordinal), agents);
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}

/// <summary>The same documents when the reference SDK made the buckets.</summary>
[Collection(ReferenceBucketsMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RegistryTestsOnReferenceBuckets(ReferenceBucketsMeshFixture mesh) : RegistryTests(mesh);
