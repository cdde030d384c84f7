using System.Text.Json.Nodes;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;

namespace OamOrleans.AI.Tests;

/// <summary><c>[Agent(..., Mcp = …)]</c> as a plain NATS client reads it from <c>mesh-registry</c>: <c>x-agentmesh.mcp</c> only when set.</summary>
[Collection(AIMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class McpFlagTests(AIMeshFixture mesh)
{
    private async Task<JsonObject> RegistryDocumentAsync(string agent)
    {
        var kv = await mesh.Raw.CreateKeyValueStoreContext().GetStoreAsync(AgentContract.Bucket);
        var entry = await kv.GetEntryAsync<byte[]>(agent);
        return JsonNode.Parse(entry.Value)!.AsObject();
    }

    [Theory]
    [InlineData("test.mcp.on", true)]
    [InlineData("test.mcp.off", false)]
    public async Task A_set_flag_is_written_to_x_agentmesh_mcp(string agent, bool expected)
    {
        var mcp = (await RegistryDocumentAsync(agent))["x-agentmesh"]!["mcp"];

        Assert.NotNull(mcp);
        Assert.Equal(expected, (bool)mcp);
        Assert.Equal(expected, (await mesh.Client.ContractAsync(agent)).Mcp);
    }

    [Theory]
    [InlineData("test.mcp.unset")]
    [InlineData("demo.echo")]
    public async Task An_unset_flag_leaves_the_key_out(string agent)
    {
        var extension = (await RegistryDocumentAsync(agent))["x-agentmesh"]!.AsObject();

        Assert.False(extension.ContainsKey("mcp"));
        Assert.Null((await mesh.Client.ContractAsync(agent)).Mcp);
    }

    [Fact]
    public async Task The_catalog_entry_keeps_the_reference_fields_only()
    {
        var kv = await mesh.Raw.CreateKeyValueStoreContext().GetStoreAsync("mesh-catalog");
        var catalog = JsonNode.Parse((await kv.GetEntryAsync<byte[]>("catalog")).Value)!.AsArray();

        var entry = catalog.Single(e => (string)e!["name"]! == "test.mcp.on")!.AsObject();
        Assert.Equal(["name", "description", "version", "tags", "invocable", "streaming"], entry.Select(p => p.Key));
    }
}
