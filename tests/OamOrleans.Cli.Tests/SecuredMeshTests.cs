using System.Diagnostics;
using NATS.Client.Core;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Cli.Tests;

/// <summary>Each role of <c>oam auth user add</c>, tried as a real client of a nats-server in operator mode.</summary>
[Collection(SecuredMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SecuredMeshTests(SecuredMeshFixture mesh)
{
    [Fact]
    public async Task A_worker_silo_hosts_agents_that_an_invoker_calls_streams_and_sends_to_with_a_callback()
    {
        await using var invoker = await mesh.ConnectAsync("invoker");

        var reply = await invoker.CallAsync<EchoOut>("demo.echo", new EchoIn("secured"));
        Assert.Equal("Echo: secured", reply.Reply);

        var words = new List<string>();
        await foreach (var delta in invoker.StreamAsync<Delta>("demo.words", new EchoIn("one two three")))
        {
            words.Add(delta.Text.Trim());
        }

        Assert.Equal(["one", "two", "three"], words);

        var callback = new TaskCompletionSource<MeshFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        await invoker.SendAsync("demo.echo", new EchoIn("by callback"), new SendOptions
        {
            OnReply = r =>
            {
                callback.TrySetResult(r);
                return ValueTask.CompletedTask;
            },
            OnError = e =>
            {
                callback.TrySetException(e);
                return ValueTask.CompletedTask;
            },
        });
        var sent = await callback.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("Echo: by callback", sent.Deserialize<EchoOut>()!.Reply);
    }

    [Theory]
    [InlineData("pulse")]
    [InlineData("auth.pulse")]
    [InlineData("auth.deep.pulse")]
    public async Task An_invoker_hears_the_events_of_an_agent_at_any_depth(string agent)
    {
        await using var invoker = await mesh.ConnectAsync("invoker");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var n in invoker.SubscribeAsync<int>(agent: agent, cancellationToken: cts.Token))
        {
            Assert.True(n >= 0);
            return;
        }

        Assert.Fail($"no event of {agent}");
    }

    [Fact]
    public async Task An_observer_reads_the_catalog_and_taps_logs_but_its_call_is_denied_at_once()
    {
        await using var observer = await mesh.ConnectAsync("observer", callTimeout: TimeSpan.FromSeconds(30));
        Assert.Contains(await observer.CatalogAsync(), e => e.Name == "demo.echo");

        await using (var tap = await mesh.RawAsync("observer"))
        await using (var worker = await mesh.RawAsync("worker"))
        {
            await using var logs = await tap.SubscribeCoreAsync<string>("mesh.logs.>");
            await tap.PingAsync();
            await worker.PublishAsync("mesh.logs.demo.echo", "{\"msg\":\"tapped\"}");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var log = await logs.Msgs.ReadAsync(cts.Token);
            Assert.Equal("mesh.logs.demo.echo", log.Subject);
        }

        var clock = Stopwatch.StartNew();
        var denied = await Assert.ThrowsAsync<ConnectionDeniedException>(async () => await observer.CallAsync<EchoOut>("demo.echo", new EchoIn("no")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the denied call took {clock.Elapsed}, like a timeout");
        Assert.Contains("mesh.agent.demo.echo", denied.Message);
        Assert.Equal("demo.echo", denied.Agent);
    }

    [Fact]
    public async Task An_observers_stream_send_with_callback_and_refused_subscription_end_at_once_with_connection_denied()
    {
        await using var observer = await mesh.ConnectAsync("observer");
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<ConnectionDeniedException>(async () =>
        {
            await foreach (var unused in observer.StreamAsync<Delta>("demo.words", new EchoIn("a b"), new CallOptions { Timeout = TimeSpan.FromSeconds(30) }))
            {
            }
        });

        var error = new TaskCompletionSource<MeshException>(TaskCreationOptions.RunContinuationsAsynchronously);
        await observer.SendAsync("demo.echo", new EchoIn("no"), new SendOptions
        {
            Timeout = TimeSpan.FromSeconds(30),
            OnReply = _ => ValueTask.CompletedTask,
            OnError = e =>
            {
                error.TrySetResult(e);
                return ValueTask.CompletedTask;
            },
        });
        Assert.IsType<ConnectionDeniedException>(await error.Task.WaitAsync(TimeSpan.FromSeconds(20)));

        // The observer may not subscribe to send results of others (mesh.results.>): the subscription is refused at once.
        await Assert.ThrowsAsync<ConnectionDeniedException>(async () =>
        {
            await foreach (var unused in observer.SubscribeRawAsync(subject: "mesh.results.x", timeout: TimeSpan.FromSeconds(30)))
            {
            }
        });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the denials took {clock.Elapsed}, like timeouts");
    }

    [Fact]
    public async Task An_observers_call_from_the_cli_prints_connection_denied_and_exits_1()
    {
        var result = await mesh.Oam("agent", "call", "demo.echo", "{\"message\":\"no\"}", "--timeout", "30", "--creds", mesh.Creds("observer"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Error [connection_denied]", result.Stderr);
    }

    [Fact]
    public async Task Mesh_buckets_connects_with_the_root_creds_option()
    {
        var result = await mesh.Oam("mesh", "buckets", "--json", "--creds", mesh.Creds("admin"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("mesh-registry", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invoker_cannot_delete_or_purge_a_bucket_create_a_stream_or_write_the_catalog()
    {
        await using var invoker = await mesh.RawAsync("invoker", requestTimeout: TimeSpan.FromSeconds(2));
        var violations = new List<string>();
        invoker.ServerError += (_, e) =>
        {
            lock (violations)
            {
                violations.Add(e.Error);
            }

            return ValueTask.CompletedTask;
        };
        var js = invoker.CreateJetStreamContext();
        await Assert.ThrowsAnyAsync<Exception>(async () => await js.DeleteStreamAsync("KV_mesh-catalog"));
        await Assert.ThrowsAnyAsync<Exception>(async () => await js.PurgeStreamAsync("KV_mesh-registry", new NATS.Client.JetStream.Models.StreamPurgeRequest()));
        await Assert.ThrowsAnyAsync<Exception>(async () => await js.CreateStreamAsync(new NATS.Client.JetStream.Models.StreamConfig("EVIL", ["evil.>"])));
        await invoker.PublishAsync("$KV.mesh-catalog.catalog", "[]");
        await invoker.PingAsync();
        await Poll.UntilAsync(
            () =>
            {
                lock (violations)
                {
                    return Task.FromResult(violations.Count(v => v.Contains("Permissions Violation for Publish", StringComparison.Ordinal)) >= 4);
                }
            },
            "four publish violations", TimeSpan.FromSeconds(10));

        // The buckets are intact: the catalog still lists the agents.
        await using var admin = await mesh.ConnectAsync("admin");
        Assert.Contains(await admin.CatalogAsync(), e => e.Name == "demo.echo");
        await using var adminRaw = await mesh.RawAsync("admin");
        Assert.DoesNotContain("EVIL", await adminRaw.CreateJetStreamContext().ListStreamNamesAsync().ToListAsync());
    }

    [Fact]
    public async Task Events_deeper_than_the_granted_depth_are_refused_to_an_invoker()
    {
        await using var invoker = await mesh.RawAsync("invoker");
        var violation = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        invoker.ServerError += (_, e) =>
        {
            violation.TrySetResult(e.Error);
            return ValueTask.CompletedTask;
        };
        var deep = "mesh.agent." + string.Join('.', Enumerable.Range(0, 17).Select(i => "s" + i)) + ".events";
        await using var sub = await invoker.SubscribeCoreAsync<string>(deep);
        Assert.Contains("Permissions Violation for Subscription", await violation.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_revoked_user_is_refused_after_a_reload_while_others_keep_working()
    {
        await using (var before = await mesh.ConnectAsync("revokee"))
        {
            Assert.Equal("Echo: before", (await before.CallAsync<EchoOut>("demo.echo", new EchoIn("before"))).Reply);
        }

        var revoke = await mesh.Oam("auth", "user", "revoke", "revokee", "--dir", mesh.AuthDir);
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        mesh.Nats.Reload();

        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await using var after = await mesh.ConnectAsync("revokee");
                    return false;
                }
                catch (ConnectionDeniedException)
                {
                    return true;
                }
            },
            "the revoked user is refused", TimeSpan.FromSeconds(15), interval: TimeSpan.FromMilliseconds(100));

        await using var invoker = await mesh.ConnectAsync("invoker");
        Assert.Equal("Echo: still", (await invoker.CallAsync<EchoOut>("demo.echo", new EchoIn("still"))).Reply);
    }

    [Fact]
    public async Task An_anonymous_connection_is_refused_and_the_error_says_no_credentials_were_given()
    {
        var error = await Assert.ThrowsAsync<ConnectionDeniedException>(async () =>
            await MeshClient.ConnectAsync(mesh.Url, new MeshClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) }));
        Assert.Contains("no credentials", error.Message);
    }
}
