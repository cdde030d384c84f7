using System.Text.Json.Nodes;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>
/// Port of the reference TypeScript <c>discovery.test.ts</c>: seeded catalog, filters, live watch, contracts.
/// Each test owns a server because the catalog is one key shared by the whole mesh.
/// </summary>
[Trait("Category", "Integration")]
public class DiscoveryTests : IAsyncLifetime
{
    // The catalog the reference host wrote in the capture, plus an entry from a newer SDK (unknown field)
    // and a minimal one (lenient defaults).
    private const string Catalog = """
        [{"name": "nlp.echo", "description": "Echoes a message.", "version": "1.2.3", "tags": ["text"], "invocable": true, "streaming": false},
         {"name": "nlp.streamer", "description": "Streams words.", "version": "0.1.0", "tags": ["text", "llm"], "invocable": true, "streaming": true},
         {"name": "nlpx.other", "description": "Not in channel nlp.", "version": "0.1.0", "tags": [], "invocable": true, "streaming": false},
         {"name": "demo.ticker", "description": "Emits ticks.", "version": "0.1.0", "tags": [], "invocable": false, "streaming": true, "future_field": {"x": 1}},
         {"name": "greet", "description": "Scalar in/out."}]
        """;

    private const string EchoContract = """
        {"name": "nlp.echo", "description": "Echoes a message.", "version": "1.2.3", "capabilities": {"streaming": false, "invocable": true},
         "skills": [{"id": "nlp.echo", "name": "nlp.echo", "description": "Echoes a message.", "tags": ["text"],
                     "inputSchema": {"properties": {"message": {"title": "Message", "type": "string"}}, "required": ["message"], "title": "EchoIn", "type": "object"},
                     "outputSchema": {"properties": {"reply": {"title": "Reply", "type": "string"}}, "required": ["reply"], "title": "EchoOut", "type": "object"}}],
         "x-agentmesh": {"subject": "mesh.agent.nlp.echo", "tags": ["text"], "registered_at": "2026-11-25T12:27:37.275915+00:00"}}
        """;

    private NatsServer _server = null!;

    /// <summary>Whether the mesh buckets are made as the reference SDK makes them (allow_direct false) first.</summary>
    protected virtual bool ReferenceBuckets => false;
    private AgentSimulator _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await NatsServer.StartAsync();
        if (ReferenceBuckets)
        {
            await ReferenceMeshBuckets.CreateAsync(_server.Url);
        }

        _sim = await AgentSimulator.StartAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<MeshClient> SeededClientAsync()
    {
        await _sim.PutCatalogAsync(Catalog);
        return await MeshClient.ConnectAsync(_server.Url);
    }

    private static string[] Names(IEnumerable<CatalogEntry> entries) => entries.Select(e => e.Name).ToArray();

    [Fact]
    public async Task Catalog_is_seeded_on_connect_in_catalog_order()
    {
        await using var client = await SeededClientAsync();

        var all = await client.CatalogAsync();

        Assert.Equal(["nlp.echo", "nlp.streamer", "nlpx.other", "demo.ticker", "greet"], Names(all));
        var echo = all[0];
        Assert.Equal("Echoes a message.", echo.Description);
        Assert.Equal("1.2.3", echo.Version);
        Assert.Equal(["text"], echo.Tags);
        Assert.True(echo.Invocable);
        Assert.False(echo.Streaming);
    }

    [Fact]
    public async Task Catalog_entries_read_leniently_with_reference_defaults()
    {
        await using var client = await SeededClientAsync();

        var greet = (await client.CatalogAsync(new CatalogFilter { Channel = "greet" })).Single();
        var ticker = (await client.CatalogAsync(new CatalogFilter { Channel = "demo" })).Single();

        Assert.Equal("0.1.0", greet.Version);
        Assert.Empty(greet.Tags);
        Assert.True(greet.Invocable);
        Assert.False(greet.Streaming);
        Assert.Equal(1, (int)ticker.Extra!["future_field"]!["x"]!);
    }

    [Fact]
    public async Task Channel_filter_matches_the_name_or_its_dotted_prefix()
    {
        await using var client = await SeededClientAsync();

        Assert.Equal(["nlp.echo", "nlp.streamer"], Names(await client.CatalogAsync(new CatalogFilter { Channel = "nlp" })));
        Assert.Equal(["nlp.echo"], Names(await client.CatalogAsync(new CatalogFilter { Channel = "nlp.echo" })));
        Assert.Equal(["greet"], Names(await client.CatalogAsync(new CatalogFilter { Channel = "greet" })));
        Assert.Empty(await client.CatalogAsync(new CatalogFilter { Channel = "nl" }));
    }

    [Fact]
    public async Task Tags_filter_is_a_subset_test()
    {
        await using var client = await SeededClientAsync();

        Assert.Equal(["nlp.echo", "nlp.streamer"], Names(await client.CatalogAsync(new CatalogFilter { Tags = ["text"] })));
        Assert.Equal(["nlp.streamer"], Names(await client.CatalogAsync(new CatalogFilter { Tags = ["llm", "text"] })));
        Assert.Empty(await client.CatalogAsync(new CatalogFilter { Tags = ["text", "missing"] }));
    }

    [Fact]
    public async Task Streaming_and_invocable_filters_are_exact_matches()
    {
        await using var client = await SeededClientAsync();

        Assert.Equal(["nlp.streamer", "demo.ticker"], Names(await client.CatalogAsync(new CatalogFilter { Streaming = true })));
        Assert.Equal(["demo.ticker"], Names(await client.CatalogAsync(new CatalogFilter { Invocable = false })));
        Assert.Equal(["nlp.streamer"], Names(await client.CatalogAsync(new CatalogFilter { Streaming = true, Invocable = true, Channel = "nlp" })));
    }

    [Fact]
    public async Task Live_watch_replaces_the_whole_cache_on_every_update()
    {
        await using var client = await SeededClientAsync();

        await _sim.PutCatalogAsync("""[{"name": "late.agent", "description": "Arrived later.", "version": "2.0.0", "tags": [], "invocable": true, "streaming": false}]""");
        await Poll.UntilAsync(async () => Names(await client.CatalogAsync()) is ["late.agent"], "catalog shows only late.agent");

        await _sim.PutCatalogAsync("[]");
        await Poll.UntilAsync(async () => (await client.CatalogAsync()).Count == 0, "catalog is empty");
    }

    [Fact]
    public async Task Catalog_starts_empty_without_a_key_and_follows_the_first_write()
    {
        await using var client = await MeshClient.ConnectAsync(_server.Url);
        Assert.Empty(await client.CatalogAsync());

        await _sim.PutCatalogAsync("""[{"name": "first.agent", "description": "d"}]""");

        await Poll.UntilAsync(async () => Names(await client.CatalogAsync()) is ["first.agent"], "first write seen");
    }

    [Fact]
    public async Task Catalog_writes_by_the_registry_writer_are_seen_by_the_cache()
    {
        await using var client = await MeshClient.ConnectAsync(_server.Url);
        await using var host = _server.Connect("oam-host-writer");
        var registry = await MeshRegistry.OpenAsync(host);

        await registry.RegisterAsync(AgentContract.Parse(System.Text.Encoding.UTF8.GetBytes(EchoContract)));

        await Poll.UntilAsync(async () => Names(await client.CatalogAsync()) is ["nlp.echo"], "registered agent in cache");
        var contract = await client.ContractAsync("nlp.echo");
        Assert.Equal("1.2.3", contract.Version);
    }

    [Theory]
    [InlineData("demo.ticker", "Agent 'demo.ticker' is a publisher and cannot be called. Subscribe to its events instead")]
    [InlineData("nlp.streamer", "Agent 'nlp.streamer' is streaming-only. Use stream() instead")]
    [InlineData("ops.watcher", "Agent 'ops.watcher' is a background task and cannot be called")]
    public async Task Call_preflight_rejects_non_callable_shapes_without_touching_the_wire(string name, string message)
    {
        await _sim.PutCatalogAsync("""
            [{"name": "demo.ticker", "description": "Emits ticks.", "invocable": false, "streaming": true},
             {"name": "nlp.streamer", "description": "Streams words.", "invocable": true, "streaming": true},
             {"name": "ops.watcher", "description": "Source only.", "invocable": false, "streaming": false}]
            """);
        var agent = await _sim.ServeAsync(name, r => ValueTask.FromResult(_sim.Ok(name, r.RequestId, "{}")));
        await using var client = await MeshClient.ConnectAsync(_server.Url);

        var e = await Assert.ThrowsAsync<InvocationMismatchException>(() => client.CallAsync<System.Text.Json.JsonElement>(name, null).AsTask());

        Assert.Equal(message, e.Message);
        Assert.Equal(MeshErrorCodes.InvocationMismatch, e.Code);
        Assert.Equal(name, e.Agent);
        Assert.Equal("", e.RequestId);
        await _sim.Nats.PingAsync();
        Assert.Empty(agent.Requests);
    }

    [Fact]
    public async Task Contract_reads_schemas_from_the_first_skill_and_tags_from_x_agentmesh()
    {
        await using var client = await SeededClientAsync();
        await _sim.PutContractAsync("nlp.echo", EchoContract);

        var contract = await client.ContractAsync("nlp.echo");

        Assert.Equal("nlp.echo", contract.Name);
        Assert.Equal("Echoes a message.", contract.Description);
        Assert.Equal("1.2.3", contract.Version);
        Assert.Equal(["text"], contract.Tags);
        Assert.True(contract.Invocable);
        Assert.False(contract.Streaming);
        Assert.Equal("EchoIn", (string)contract.InputSchema!["title"]!);
        Assert.Equal("string", (string)contract.InputSchema["properties"]!["message"]!["type"]!);
        Assert.Equal("EchoOut", (string)contract.OutputSchema!["title"]!);
        Assert.Equal("mesh.agent.nlp.echo", contract.Subject);
        Assert.Equal("2026-11-25T12:27:37.275915+00:00", contract.RegisteredAt);
    }

    [Fact]
    public async Task Contract_applies_reader_defaults_to_a_sparse_document()
    {
        await using var client = await SeededClientAsync();
        await _sim.PutContractAsync("sparse.agent", """{"name": "sparse.agent", "description": "Only the required fields."}""");

        var contract = await client.ContractAsync("sparse.agent");

        Assert.Equal("0.1.0", contract.Version);
        Assert.True(contract.Invocable);
        Assert.False(contract.Streaming);
        Assert.Empty(contract.Tags);
        Assert.Null(contract.InputSchema);
        Assert.Null(contract.OutputSchema);
    }

    [Fact]
    public async Task Contract_of_an_unknown_agent_raises_NotFound()
    {
        await using var client = await SeededClientAsync();

        var e = await Assert.ThrowsAsync<NotFoundException>(() => client.ContractAsync("nobody.here").AsTask());

        Assert.Equal(MeshErrorCodes.NotFound, e.Code);
        Assert.Equal("nobody.here", e.Agent);
    }

    [Fact]
    public async Task Contract_of_a_deleted_registry_key_raises_NotFound()
    {
        await using var client = await SeededClientAsync();
        await _sim.PutContractAsync("gone.agent", """{"name": "gone.agent", "description": "d"}""");
        var kv = _sim.Nats.CreateKeyValueStoreContext();
        var store = await kv.GetStoreAsync(MeshBuckets.Registry);
        await store.DeleteAsync("gone.agent");

        await Assert.ThrowsAsync<NotFoundException>(() => client.ContractAsync("gone.agent").AsTask());
    }

    [Fact]
    public async Task Discover_returns_contracts_of_the_channel_and_skips_failures()
    {
        await using var client = await SeededClientAsync();
        await _sim.PutContractAsync("nlp.echo", EchoContract);
        // nlp.streamer is cataloged but has no registry key: skipped. nlpx.other is outside the channel.
        await _sim.PutContractAsync("nlpx.other", """{"name": "nlpx.other", "description": "d"}""");

        var contracts = await client.DiscoverAsync("nlp");
        var everything = await client.DiscoverAsync();

        Assert.Equal(["nlp.echo"], contracts.Select(c => c.Name));
        Assert.Equal(["nlp.echo", "nlpx.other"], everything.Select(c => c.Name));
        Assert.NotNull(contracts[0].InputSchema as JsonObject);
    }
}

/// <summary>The same when the reference SDK made the buckets (allow_direct false).</summary>
[Trait("Category", "Integration")]
public sealed class DiscoveryTestsOnReferenceBuckets : DiscoveryTests
{
    protected override bool ReferenceBuckets => true;
}
