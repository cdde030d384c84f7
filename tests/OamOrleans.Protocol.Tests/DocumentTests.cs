using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>Registry, catalog, instance and death-notice documents against the golden capture (parsed JSON, never bytes).</summary>
public sealed class DocumentTests
{
    private const string RegistryPrefix = "$KV.mesh-registry.";
    private const string CatalogSubject = "$KV.mesh-catalog.catalog";

    public static TheoryData<string> RegistryPuts()
    {
        var data = new TheoryData<string>();
        foreach (var m in Capture.On(RegistryPrefix).Where(m => !m.IsKvDelete))
        {
            data.Add(m.Subject[RegistryPrefix.Length..]);
        }

        return data;
    }

    private static CapturedMessage RegistryPut(string name) => Capture.On(RegistryPrefix + name).First(m => m.Subject == RegistryPrefix + name && !m.IsKvDelete);

    [Theory]
    [MemberData(nameof(RegistryPuts))]
    public void Captured_registry_document_round_trips_with_exact_fields_and_key_order(string name)
    {
        var captured = RegistryPut(name);

        var contract = AgentContract.Parse(captured.BodyBytes);

        Assert.Equal(name, contract.Name);
        Assert.Equal(MeshSubjects.Agent(name), contract.Subject);
        Assert.Null(contract.Extra);
        JsonAssert.Same(captured.Body, contract.ToJsonBytes());
    }

    [Fact]
    public void Captured_registry_documents_cover_every_agent_kind()
    {
        var kinds = Capture.On(RegistryPrefix).Where(m => !m.IsKvDelete)
            .Select(m => AgentContract.Parse(m.BodyBytes))
            .ToDictionary(c => c.Name);

        Assert.True(kinds["nlp.echo"] is { Invocable: true, Streaming: false, InputSchema: not null, OutputSchema: not null, ChunkSchema: null });
        Assert.True(kinds["nlp.streamer"] is { Invocable: true, Streaming: true, OutputSchema: null, ChunkSchema: not null });
        Assert.True(kinds["demo.ticker"] is { Invocable: false, Streaming: true, InputSchema: null, ChunkSchema: not null });
        Assert.True(kinds["ops.refresh"] is { Invocable: true, InputSchema: null, OutputSchema: not null });
        Assert.Equal("string", (string)kinds["greet"].InputSchema!["type"]!);
        Assert.Equal(["text"], kinds["nlp.echo"].Tags);
        Assert.Equal("1.2.3", kinds["nlp.echo"].Version);
        Assert.All(kinds.Values, c => Assert.Matches(SubjectAndHeaderTests.IsoTimestamp(), c.RegisteredAt));
    }

    [Fact]
    public void Written_contract_has_the_reference_key_order_and_one_skill()
    {
        var contract = new AgentContract
        {
            Name = "nlp.echo",
            Description = "Echoes a message.",
            Version = "1.2.3",
            Tags = ["text"],
            InputSchema = JsonNode.Parse("""{"type": "object"}"""),
            OutputSchema = JsonNode.Parse("""{"type": "object"}"""),
            RegisteredAt = "2026-11-25T12:27:37.275915+00:00",
        };

        var json = JsonNode.Parse(contract.ToJsonBytes())!.AsObject();

        Assert.Equal(["name", "description", "version", "capabilities", "skills", "x-agentmesh"], json.Select(p => p.Key));
        Assert.Equal(["streaming", "invocable"], json["capabilities"]!.AsObject().Select(p => p.Key));
        var skill = Assert.Single(json["skills"]!.AsArray())!.AsObject();
        Assert.Equal(["id", "name", "description", "tags", "inputSchema", "outputSchema"], skill.Select(p => p.Key));
        Assert.Equal("nlp.echo", (string)skill["id"]!);
        Assert.Equal(["subject", "tags", "registered_at"], json["x-agentmesh"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Contract_reader_applies_reference_defaults_and_keeps_unknown_fields()
    {
        var contract = AgentContract.Parse("""{"name": "x.y", "description": "d", "future": [1]}"""u8);

        Assert.Equal("0.1.0", contract.Version);
        Assert.True(contract.Invocable);
        Assert.False(contract.Streaming);
        Assert.Empty(contract.Tags);
        Assert.Null(contract.InputSchema);
        Assert.Equal("[1]", contract.Extra!["future"]!.ToJsonString());
        Assert.Contains("\"future\"", Encoding.UTF8.GetString(contract.ToJsonBytes()));
        Assert.True(AgentContract.Parse("""{"name": "x", "description": "d", "capabilities": {"invocable": false}}"""u8) is { Invocable: false, Streaming: false });
        Assert.Throws<FormatException>(() => AgentContract.Parse("""{"name": "x"}"""u8));
        Assert.Throws<FormatException>(() => AgentContract.Parse("[]"u8));
    }

    [Fact]
    public void Every_captured_catalog_value_round_trips()
    {
        var values = Capture.On(CatalogSubject).ToArray();
        Assert.True(values.Length >= 10);

        foreach (var m in values)
        {
            JsonAssert.Same(m.Body, CatalogDocument.Parse(m.BodyBytes).ToJsonBytes());
            foreach (var item in JsonNode.Parse(m.Body)!.AsArray())
            {
                var entry = CatalogEntry.FromJson(item!.AsObject());
                Assert.Null(entry.Extra);
                JsonAssert.Same(item.ToJsonString(), JsonSerializer.SerializeToUtf8Bytes(entry.ToJsonObject()));
            }
        }
    }

    [Fact]
    public void Replaying_the_captured_registrations_and_removals_reproduces_every_catalog_value()
    {
        CatalogDocument? previous = null;
        AgentContract? lastRegistered = null;
        var checkedSteps = 0;
        foreach (var m in Capture.Messages)
        {
            if (m.Subject.StartsWith(RegistryPrefix, StringComparison.Ordinal) && !m.IsKvDelete)
            {
                lastRegistered = AgentContract.Parse(m.BodyBytes);
            }
            else if (m.Subject == CatalogSubject)
            {
                var current = CatalogDocument.Parse(m.BodyBytes);
                var before = previous ?? CatalogDocument.Empty();
                var names = current.Entries.Select(e => e.Name).ToHashSet();
                var removed = before.Entries.Select(e => e.Name).Where(n => !names.Contains(n)).ToArray();
                var expected = removed.Length == 1 ? before.Without(removed[0]) : before.With(lastRegistered!.ToCatalogEntry());
                JsonAssert.Same(m.Body, expected.ToJsonBytes());
                previous = current;
                checkedSteps++;
            }
        }

        Assert.True(checkedSteps >= 10, $"only {checkedSteps} catalog writes replayed");
        Assert.Empty(previous!.Entries); // the capture ends with an empty catalog: "[]", never a deleted key
    }

    [Fact]
    public void Catalog_update_keeps_unknown_fields_of_other_entries()
    {
        var doc = CatalogDocument.Parse("""
            [{"name": "other.a", "description": "A", "version": "9.9.9", "tags": ["t"], "invocable": true, "streaming": false, "owner": {"team": "x"}, "zz": null},
             {"name": "mine", "description": "old", "future": 1},
             {"name": "other.b", "description": "B", "sla": "gold"}]
            """u8);

        var updated = doc.With(new CatalogEntry { Name = "mine", Description = "new", Tags = ["n"] });
        var json = JsonNode.Parse(updated.ToJsonBytes())!.AsArray();

        Assert.Equal(["other.a", "other.b", "mine"], json.Select(e => (string)e!["name"]!));
        JsonAssert.Same("""{"name": "other.a", "description": "A", "version": "9.9.9", "tags": ["t"], "invocable": true, "streaming": false, "owner": {"team": "x"}, "zz": null}""",
            Encoding.UTF8.GetBytes(json[0]!.ToJsonString()));
        JsonAssert.Same("""{"name": "other.b", "description": "B", "sla": "gold"}""", Encoding.UTF8.GetBytes(json[1]!.ToJsonString()));
        JsonAssert.Same("""{"name": "mine", "description": "new", "version": "0.1.0", "tags": ["n"], "invocable": true, "streaming": false}""",
            Encoding.UTF8.GetBytes(json[2]!.ToJsonString()));

        var removed = JsonNode.Parse(updated.Without("other.a").ToJsonBytes())!.AsArray();
        Assert.Equal(["other.b", "mine"], removed.Select(e => (string)e!["name"]!));
        Assert.Equal("gold", (string)removed[0]!["sla"]!);
    }

    [Fact]
    public void Catalog_entries_read_leniently()
    {
        var doc = CatalogDocument.Parse("""[{"name": "bare"}, 42, "x", {"name": "typed", "tags": "not-a-list", "invocable": "yes", "streaming": 1, "version": 2}]"""u8);

        var entries = doc.Entries;

        Assert.Equal(["bare", "typed"], entries.Select(e => e.Name));
        Assert.All(entries, e =>
        {
            Assert.Equal("0.1.0", e.Version);
            Assert.Empty(e.Tags);
            Assert.True(e.Invocable);
            Assert.False(e.Streaming);
        });
        Assert.Empty(CatalogDocument.Parse([]).Entries);
        Assert.Empty(CatalogDocument.Parse("not json"u8).Entries);
        Assert.Empty(CatalogDocument.Parse("""{"name": "object, not array"}"""u8).Entries);
        Assert.True(doc.Contains("bare"));
        Assert.False(doc.Contains("nope"));
    }

    [Fact]
    public void Captured_instance_records_round_trip_sorted()
    {
        var puts = Capture.On("$KV.mesh-instances.").Where(m => !m.IsKvDelete).ToArray();
        Assert.NotEmpty(puts);

        foreach (var m in puts)
        {
            var record = InstanceRecord.Parse(m.BodyBytes);
            Assert.Equal(record.Agents.Order(StringComparer.Ordinal), record.Agents);
            JsonAssert.Same(m.Body, record.ToJsonBytes());
            Assert.Matches("^[0-9a-f]{32}$", m.Subject["$KV.mesh-instances.".Length..]);
        }

        JsonAssert.Same("""{"agents": ["a", "b.c", "z"]}""", new InstanceRecord(["z", "a", "b.c"]).ToJsonBytes());
        Assert.Empty(InstanceRecord.Parse("garbage"u8).Agents);
    }

    [Fact]
    public void Captured_death_notices_round_trip_and_carry_no_headers()
    {
        var notices = Capture.On("mesh.death.").ToArray();
        Assert.NotEmpty(notices);

        foreach (var m in notices)
        {
            Assert.Empty(m.Headers);
            var notice = DeathNotice.Parse(m.BodyBytes);
            Assert.Equal(m.Subject, MeshSubjects.Death(notice.Agent));
            Assert.Contains(notice.Reason, new[] { DeathNotice.Disconnect, DeathNotice.GracefulShutdown });
            Assert.Matches("^[0-9a-f]{32}$", notice.InstanceId);
            Assert.Matches(SubjectAndHeaderTests.IsoTimestamp(), notice.DetectedAt);
            JsonAssert.Same(m.Body, notice.ToJsonBytes());
            JsonAssert.Same(m.Body, JsonSerializer.SerializeToUtf8Bytes(notice.ToJsonElement()));
        }

        Assert.Contains(notices, m => DeathNotice.Parse(m.BodyBytes).Reason == DeathNotice.Disconnect);
        Assert.Contains(notices, m => DeathNotice.Parse(m.BodyBytes).Reason == DeathNotice.GracefulShutdown);
    }
}
