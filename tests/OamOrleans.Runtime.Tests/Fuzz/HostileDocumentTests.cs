using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests.Fuzz;

/// <summary>
/// A foreign writer (a "Python host", or something broken) fills the mesh buckets with documents we cannot read:
/// corrupt JSON, wrong types, lone surrogate escapes, duplicate keys, 200-deep nesting, huge values. Our silos must
/// start, register and deregister around them, change only their own catalog entries, and keep following the
/// observability and shared-context buckets.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostileDocumentTests
{
    /// <summary>The foreign catalog items, exactly as written: a readable Python entry with fields we do not know, and junk.</summary>
    private static readonly string[] ForeignItems =
    [
        """{"name": "py.agent", "description": "a Python agent", "version": "1.2.3", "tags": ["py"], "invocable": true, "streaming": false, "x_future": {"k": [1, 2]}}""",
        "\"junk\"",
        "42",
        "null",
        """{"name": 42, "tags": "not a list", "invocable": "yes"}""",
        """{"name": "py.surrogate\ud800", "description": "\udc00"}""",
        """{"name": "py.dup", "name": "py.dup2"}""",
        """{"name": "py.deep", "x": """ + new string('[', 200) + new string(']', 200) + "}",
        """{"name": "py.huge", "description": """ + "\"" + new string('h', 50_000) + "\"}",
    ];

    private static readonly byte[][] HostileValues =
    [
        "not json"u8.ToArray(), [0xFF, 0xFE, 0xC0], """{"log_level": "\ud800"}"""u8.ToArray(), """{"log_level": 5}"""u8.ToArray(),
        """{"agents": "not a list", "agents": [1]}"""u8.ToArray(), """{"agents": ["\ud800", 7, null]}"""u8.ToArray(), """"\udfff""""u8.ToArray(),
        Encoding.UTF8.GetBytes(new string('{', 5000)), Encoding.UTF8.GetBytes("[" + new string('9', 100_000) + "]"), [],
    ];

    [Fact]
    public async Task Corrupt_foreign_documents_neither_fail_our_registration_nor_lose_anyone_elses_catalog_entries()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var foreign = nats.Connect("oam-host-python");
        await (await MeshClient.CreateAsync(foreign)).DisposeAsync(); // connects as every SDK instance does: makes the mesh buckets
        var kv = foreign.CreateKeyValueStoreContext();
        var catalog = await kv.GetStoreAsync(MeshBuckets.Catalog);
        var registry = await kv.GetStoreAsync(MeshBuckets.Registry);
        var instances = await kv.GetStoreAsync(MeshBuckets.Instances);
        var observability = await kv.GetStoreAsync(MeshBuckets.Observability);
        await catalog.PutAsync(CatalogDocument.Key, Encoding.UTF8.GetBytes("[" + string.Join(", ", ForeignItems) + "]"));
        await instances.PutAsync("python1", """{"agents": ["py.agent"]}"""u8.ToArray());
        for (var i = 0; i < HostileValues.Length; i++)
        {
            await registry.PutAsync($"py.bad{i}", HostileValues[i]);
            await registry.PutAsync("demo.echo", HostileValues[i]); // ours, until we overwrite it
            await instances.PutAsync($"python-bad{i}", HostileValues[i]);
            await observability.PutAsync($"py.bad{i}", HostileValues[i]);
        }

        // Two hosts start (each CAS-registers its agents over the foreign items), then leave one after the other.
        var first = await TestSilo.StartAsync(nats.Url);
        var second = await TestSilo.StartAsync(nats.Url);
        try
        {
            var ours = first.Mesh.Agents;
            var served = await ReadCatalogAsync(catalog);
            Assert.Equal(ForeignItems.Select(Canonical), served.Where(i => !IsOurs(i, ours)).Select(Canonical));
            Assert.All(ours, name => Assert.Contains(served, i => NameOf(i) == name));

            await using var client = await MeshClient.CreateAsync(foreign);
            Assert.Equal("demo.echo", (await client.ContractAsync("demo.echo")).Name);
            Assert.Contains(await client.CatalogAsync(), e => e.Name == "py.agent" && e.Version == "1.2.3");

            await second.StopAsync();
            Assert.Equal((await ReadCatalogAsync(catalog)).Select(Canonical), served.Select(Canonical)); // first still serves them all

            await first.StopAsync();
            Assert.Equal(ForeignItems.Select(Canonical), (await ReadCatalogAsync(catalog)).Select(Canonical));
        }
        finally
        {
            await second.DisposeAsync();
            await first.DisposeAsync();
        }
    }

    [Fact]
    public async Task Levels_and_gates_keep_following_their_buckets_after_hostile_values()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var silo = await TestSilo.StartAsync(nats.Url);
        await using var foreign = nats.Connect("oam-host-python");
        var kv = foreign.CreateKeyValueStoreContext();
        var observability = await kv.GetStoreAsync(MeshBuckets.Observability); // the silo made the mesh buckets
        var context = await kv.GetStoreAsync(MeshBuckets.Context);
        foreach (var value in HostileValues)
        {
            await observability.PutAsync("global", value);
            await observability.PutAsync("demo.echo", value);
            await context.PutAsync("gates.kv", value);
            await context.PutAsync("settings.theme", value);
        }

        // The observability watch is still alive: a real level put afterwards applies.
        await using var logs = await foreign.SubscribeCoreAsync<byte[]>(MeshSubjects.Logs("demo.echo"));
        await observability.PutAsync("demo.echo", """{"log_level": "debug"}"""u8.ToArray());
        // Each attempt waits on the wire (a request, then up to 500 ms for its log event), so no pause between them.
        await Poll.UntilAsync(async () =>
        {
            await RawNats.RequestAsync(foreign, "demo.echo", """{"message":"level"}""");
            using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                var msg = await logs.Msgs.ReadAsync(soon.Token);
                return LogEvent.Parse(msg.Data).Event == "request_received";
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }, "a debug log arrives after a valid level followed the hostile ones", TimeSpan.FromSeconds(10), interval: TimeSpan.Zero);

        // The gate watch is still alive too: the flag opens the gated agent.
        await context.PutAsync("gates.kv", "true"u8.ToArray());
        await Poll.UntilAsync(async () =>
        {
            try
            {
                var reply = await RawNats.RequestAsync(foreign, "test.gated.kv", "1", timeout: TimeSpan.FromSeconds(2));
                return RawNats.Json(reply).GetString() == "slept 1";
            }
            catch (NatsNoRespondersException)
            {
                return false;
            }
        }, "the gated agent opens after hostile flag values", TimeSpan.FromSeconds(10), interval: TimeSpan.Zero);
    }

    private static async Task<List<JsonElement>> ReadCatalogAsync(INatsKVStore catalog)
    {
        var entry = await catalog.GetEntryAsync<byte[]>(CatalogDocument.Key);
        var reader = new Utf8JsonReader(entry.Value, new JsonReaderOptions { MaxDepth = 1000 });
        return [.. JsonDocument.ParseValue(ref reader).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static bool IsOurs(JsonElement item, IReadOnlyList<string> ours) => NameOf(item) is { } name && ours.Contains(name);

    private static string? NameOf(JsonElement item)
    {
        try
        {
            return item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>An item's JSON text, whitespace aside (Python writes spaces; we compare meaning, as the protocol asks).</summary>
    private static string Canonical(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 1000 });
        return Canonical(JsonDocument.ParseValue(ref reader).RootElement);
    }

    private static string Canonical(JsonElement element)
    {
        var text = new StringBuilder();
        var inString = false;
        var raw = element.GetRawText();
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (inString && c == '\\')
            {
                text.Append(c).Append(raw[++i]);
                continue;
            }

            if (c == '"')
            {
                inString = !inString;
            }

            if (inString || !char.IsWhiteSpace(c))
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
