using System.Text.Json.Nodes;

namespace OamOrleans.Cli.Tests;

/// <summary><c>oam kv</c>, <c>oam workspace</c>, <c>oam observe config|set</c> and <c>oam mesh listen</c> against a real nats-server.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public class StoreCommandTests(MeshFixture mesh)
{
    [Fact]
    public async Task Kv_put_get_list_and_missing_key()
    {
        var prefix = "cli" + Guid.NewGuid().ToString("N")[..8];
        var put = await mesh.Oam("kv", "put", $"{prefix}.plan", """{"step": 1}""");
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Matches($"^{prefix}\\.plan: revision \\d+\n$", put.Stdout);
        var fromStdin = await mesh.OamWithStdin("line one", "kv", "put", $"{prefix}.note");
        Assert.True(fromStdin.ExitCode == 0, fromStdin.ToString());

        var get = await mesh.Oam("kv", "get", $"{prefix}.plan");
        Assert.Equal("{\"step\": 1}\n", get.Stdout);
        var getJson = await mesh.Oam("kv", "get", $"{prefix}.note", "--json");
        var entry = JsonNode.Parse(getJson.Stdout)!;
        Assert.Equal("line one", entry["value"]!.GetValue<string>());
        Assert.Equal("PUT", entry["operation"]!.GetValue<string>());

        var list = await mesh.Oam("kv", "list", prefix + ".", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var keys = JsonNode.Parse(list.Stdout)!.AsArray().Select(e => e!["key"]!.GetValue<string>()).ToList();
        Assert.Equal([$"{prefix}.note", $"{prefix}.plan"], keys);
        var table = await mesh.Oam("kv", "list", prefix + ".");
        Assert.Matches("^KEY +REVISION +VALUE\n", table.Stdout);

        var missing = await mesh.Oam("kv", "get", $"{prefix}.nothing");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("Error [not_found] ", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kv_watch_prints_current_values_then_changes()
    {
        var prefix = "watch" + Guid.NewGuid().ToString("N")[..8];
        await mesh.Oam("kv", "put", $"{prefix}.a", "first");
        await using var watch = OamInProcess.StartLong(["kv", "watch", $"{prefix}.*"], mesh.Url);
        await watch.WaitForAsync((o, _) => o.Contains($"{prefix}.a = first", StringComparison.Ordinal), what: "the current value");
        await mesh.Oam("kv", "put", $"{prefix}.b", "second");
        await watch.WaitForAsync((o, _) => o.Contains($"{prefix}.b = second", StringComparison.Ordinal), what: "the change");
    }

    [Fact]
    public async Task Workspace_round_trip_with_progress_and_rm()
    {
        var key = $"cli/{Guid.NewGuid():N}/blob.bin";
        var source = Path.Combine(mesh.WorkDir, "blob.bin");
        var data = new byte[700 * 1024];
        Random.Shared.NextBytes(data);
        await File.WriteAllBytesAsync(source, data);

        var put = await mesh.Oam("workspace", "put", key, source, "--progress");
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.StartsWith($"Stored {key} (700.0 KiB, ", put.Stdout, StringComparison.Ordinal);
        Assert.Contains("100%", put.Stderr, StringComparison.Ordinal);
        Assert.Contains($"put {key} [", put.Stderr, StringComparison.Ordinal);

        var target = Path.Combine(mesh.WorkDir, "blob.out");
        var get = await mesh.Oam("workspace", "get", key, "-o", target, "--progress");
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(data, await File.ReadAllBytesAsync(target));
        Assert.Contains("100%", get.Stderr, StringComparison.Ordinal);

        var text = await mesh.OamWithStdin("small text", "workspace", "put", key + ".txt");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Equal("", text.Stderr); // small and not forced: no progress
        var toStdout = await mesh.Oam("workspace", "get", key + ".txt");
        Assert.Equal("small text", toStdout.Stdout);

        var rm = await mesh.Oam("workspace", "rm", key);
        Assert.True(rm.ExitCode == 0, rm.ToString());
        var gone = await mesh.Oam("workspace", "get", key, "-o", target + ".2");
        Assert.Equal(1, gone.ExitCode);
        Assert.StartsWith("Error [not_found] ", gone.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(target + ".2"));
    }

    [Fact]
    public async Task Observe_set_and_config()
    {
        var set = await mesh.Oam("observe", "set", "demo.greet", "--log-level", "warn");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal("demo.greet: log_level=warn\n", set.Stdout);

        var effective = await mesh.Oam("observe", "config", "demo.greet", "--json");
        var cfg = JsonNode.Parse(effective.Stdout)!;
        Assert.Equal("warn", cfg["log_level"]!.GetValue<string>());
        Assert.Equal("agent", cfg["source"]!.GetValue<string>());

        var all = await mesh.Oam("observe", "config", "--json");
        Assert.Equal("warn", JsonNode.Parse(all.Stdout)!["agents"]!["demo.greet"]!["log_level"]!.GetValue<string>());

        var badLevel = await mesh.Oam("observe", "set", "demo.greet", "--log-level", "loud");
        Assert.Equal(2, badLevel.ExitCode);
        Assert.Contains("Unknown log_level 'loud'", badLevel.Stderr, StringComparison.Ordinal);
        var neither = await mesh.Oam("observe", "set", "--log-level", "info");
        Assert.Equal(2, neither.ExitCode);
        var badLogsLevel = await mesh.Oam("observe", "logs", "--level", "loud");
        Assert.Equal(2, badLogsLevel.ExitCode);
    }

    [Fact]
    public async Task Observe_logs_tails_the_warnings_of_an_agent()
    {
        await using var logs = OamInProcess.StartLong(["observe", "logs", "demo.fail", "--level", "warn"], mesh.Url);
        await logs.WaitForAsync((_, e) => e.Contains("Tailing mesh.logs.demo.fail", StringComparison.Ordinal), what: "the tail");
        var call = await mesh.Oam("agent", "call", "demo.fail", """{"message":"log me"}""");
        Assert.Equal(1, call.ExitCode);
        await logs.WaitForAsync((o, _) => o.Contains("[warn] demo.fail request_failed", StringComparison.Ordinal), what: "the request_failed event");
        Assert.Contains("{\"code\": \"handler_error\"}", logs.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_prints_raw_messages_as_json()
    {
        var subject = "cli.tap." + Guid.NewGuid().ToString("N")[..8];
        await using var listen = OamInProcess.StartLong(["mesh", "listen", subject + ".>", "--json"], mesh.Url);
        await listen.WaitForAsync((_, e) => e.Contains("Listening on", StringComparison.Ordinal), what: "the tap");
        await using var nats = mesh.Nats.Connect();
        await nats.ConnectAsync();
        await nats.PublishAsync(subject + ".x", """{"n": 1}"""u8.ToArray());
        await nats.PublishAsync(subject + ".y", "plain text"u8.ToArray());
        await listen.WaitForAsync((o, _) => o.Contains("plain text", StringComparison.Ordinal), what: "both messages");
        Assert.Contains($"\"subject\": \"{subject}.x\"", listen.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"data\": {\n    \"n\": 1\n  }", listen.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"data\": \"plain text\"", listen.Stdout, StringComparison.Ordinal);
    }
}

/// <summary>The same commands when the reference SDK made the buckets (allow_direct false).</summary>
[Collection(ReferenceBucketsMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StoreCommandTestsOnReferenceBuckets(ReferenceBucketsMeshFixture mesh) : StoreCommandTests(mesh);

/// <summary>The agent commands that read the registry and catalog, on a mesh whose buckets the reference SDK made.</summary>
[Collection(ReferenceBucketsMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AgentCommandsOnReferenceBucketsTests(ReferenceBucketsMeshFixture mesh)
{
    [Fact]
    public async Task Catalog_contract_and_call_work_and_an_unknown_agent_is_not_found()
    {
        var catalog = await mesh.Oam("mesh", "catalog", "--json", "--channel", "demo");
        Assert.True(catalog.ExitCode == 0, catalog.ToString());
        Assert.Contains(System.Text.Json.Nodes.JsonNode.Parse(catalog.Stdout)!.AsArray(), e => (string?)e!["name"] == "demo.echo");

        var contract = await mesh.Oam("agent", "contract", "demo.echo");
        Assert.True(contract.ExitCode == 0, contract.ToString());
        Assert.Equal("mesh.agent.demo.echo", System.Text.Json.Nodes.JsonNode.Parse(contract.Stdout)!["subject"]!.GetValue<string>());

        var missing = await mesh.Oam("agent", "contract", "nobody.here");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("Error [not_found] ", missing.Stderr, StringComparison.Ordinal);

        var call = await mesh.Oam("agent", "call", "demo.echo", """{"message":"hi"}""");
        Assert.True(call.ExitCode == 0, call.ToString());
        Assert.Equal("""{"reply": "Echo: hi"}""" + "\n", call.Stdout);
    }
}
