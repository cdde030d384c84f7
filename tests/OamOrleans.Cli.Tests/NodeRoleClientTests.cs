using OamOrleans.Interop.Tests;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// Users minted by <c>oam auth user add</c>, as the npm <c>nats</c> client (a real Node process, <c>tests/node/roles</c>) uses
/// them: every verb of the role, including the account info nats.js asks before it opens a KV view.
/// </summary>
[Collection(SecuredMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NodeRoleClientTests(SecuredMeshFixture mesh)
{
    [Fact]
    public async Task An_invoker_with_npm_nats_reads_the_catalog_calls_streams_hears_events_and_reads_the_registry()
    {
        var result = await RunAsync("invoker", "invoker");
        AssertVerbs(result, "catalog", "call", "stream", "events", "kv read");
    }

    [Fact]
    public async Task An_observer_with_npm_nats_reads_the_catalog_taps_logs_and_reads_the_instances()
    {
        var ready = Path.Combine(mesh.WorkDir, $"tap-{Guid.NewGuid():N}.ready");
        var run = RunAsync("observer", "observer", new Dictionary<string, string> { ["OAM_READY_FILE"] = ready });
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(ready) || run.IsCompleted), "the Node observer taps mesh.logs.>", TimeSpan.FromSeconds(60));
        await using (var worker = await mesh.RawAsync("worker"))
        {
            await worker.PublishAsync("mesh.logs.demo.echo", "{\"msg\":\"tapped by node\"}");
            // The round trip makes sure the server has the log line before the connection closes.
            await worker.PingAsync();
        }

        AssertVerbs(await run, "catalog", "logs tap", "kv read");
    }

    [Fact]
    public async Task A_private_inbox_invoker_with_npm_nats_and_its_inbox_prefix_uses_every_verb()
    {
        var result = await RunAsync("invoker", "alice", new Dictionary<string, string> { ["OAM_INBOX_PREFIX"] = "_INBOX_PRIVATE.alice" });
        AssertVerbs(result, "catalog", "call", "stream", "events", "kv read");
    }

    [Fact]
    public async Task A_private_inbox_invoker_with_npm_nats_but_no_inbox_prefix_is_refused_its_replies()
    {
        var result = await RunAsync("invoker", "alice");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("FAILED call", result.Output, StringComparison.Ordinal);
    }

    private async Task<ExternalProcess.Result> RunAsync(string role, string user, IReadOnlyDictionary<string, string>? env = null)
    {
        await NodeTooling.EnsurePackagesAsync(InteropPaths.NodeSuiteDir);
        var vars = new Dictionary<string, string>(env ?? new Dictionary<string, string>()) { ["OAM_CREDS"] = mesh.Creds(user) };
        return await NodeTooling.NodeAsync(InteropPaths.NodeSuiteDir, ["roles/role-client.mjs", role], mesh.Url, TimeSpan.FromMinutes(2), vars);
    }

    private static void AssertVerbs(ExternalProcess.Result result, params string[] verbs)
    {
        Assert.True(result.ExitCode == 0, $"node exited {result.ExitCode}:\n{result.Output}");
        foreach (var verb in verbs)
        {
            Assert.Contains($"ok {verb}: ", result.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Permissions Violation", result.Output, StringComparison.Ordinal);
    }
}
