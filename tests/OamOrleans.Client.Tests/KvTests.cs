using System.Text;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Port of the reference TypeScript <c>kv.test.ts</c> and the Python <c>test_kv_ergonomics.py</c> / <c>test_mesh.py</c> KV cases on <c>mesh-context</c>.</summary>
[Trait("Category", "Integration")]
public class KvTests(NatsFixture fx) : IClassFixture<NatsFixture>, IAsyncLifetime
{
    private MeshClient _client = null!;

    public async Task InitializeAsync() => _client = await MeshClient.ConnectAsync(fx.Server.Url);

    public async Task DisposeAsync() => await _client.DisposeAsync();

    private static string Key(string prefix = "k") => $"{prefix}.{Guid.NewGuid():N}";

    private sealed record Plan(string Owner, int Step);

    [Fact]
    public async Task Put_returns_increasing_revisions_and_get_reads_string_and_bytes()
    {
        var key = Key();

        var r1 = await _client.Kv.PutAsync(key, "hello");
        var r2 = await _client.Kv.PutAsync(key, "héllo 2");

        Assert.True(r2 > r1);
        Assert.Equal("héllo 2", await _client.Kv.GetAsync(key));
        Assert.Equal(Encoding.UTF8.GetBytes("héllo 2"), (await _client.Kv.GetBytesAsync(key)).ToArray());
        var entry = await _client.Kv.GetEntryAsync(key);
        Assert.Equal(r2, entry.Revision);
        Assert.Equal(KvOperation.Put, entry.Operation);
        Assert.Equal("PUT", entry.OperationName);
        Assert.Equal(MeshBuckets.Context, _client.Kv.Bucket);
    }

    [Fact]
    public async Task Values_are_stored_unwrapped_for_other_clients()
    {
        var key = Key();
        await _client.Kv.PutAsync(key, new byte[] { 0, 1, 2, 250 });
        await using var raw = fx.Server.Connect();
        var store = await raw.CreateKeyValueStoreContext().GetStoreAsync(MeshBuckets.Context);

        var entry = await store.GetEntryAsync(key, serializer: NatsRawSerializer<byte[]>.Default);
        await store.PutAsync(key + "x", "from-raw"u8.ToArray(), serializer: NatsRawSerializer<byte[]>.Default);

        Assert.Equal(new byte[] { 0, 1, 2, 250 }, entry.Value);
        Assert.Equal("from-raw", await _client.Kv.GetAsync(key + "x"));
    }

    [Fact]
    public async Task Get_of_a_missing_or_deleted_key_raises_NotFound()
    {
        var key = Key();

        var missing = await Assert.ThrowsAsync<NotFoundException>(() => _client.Kv.GetAsync(key).AsTask());
        await _client.Kv.PutAsync(key, "v");
        await _client.Kv.DeleteAsync(key);
        await Assert.ThrowsAsync<NotFoundException>(() => _client.Kv.GetAsync(key).AsTask());

        Assert.Equal(MeshErrorCodes.NotFound, missing.Code);
        Assert.Null(await _client.Kv.TryGetEntryAsync(key));
        await _client.Kv.DeleteAsync(Key());
    }

    [Fact]
    public async Task Create_is_put_if_absent_and_raises_KvKeyExists_with_the_key()
    {
        var key = Key();

        var rev = await _client.Kv.CreateAsync(key, "first");
        var e = await Assert.ThrowsAsync<KvKeyExistsException>(() => _client.Kv.CreateAsync(key, "second").AsTask());

        Assert.True(rev > 0);
        Assert.Equal(MeshErrorCodes.KvKeyExists, e.Code);
        Assert.Equal(key, e.Details.GetProperty("key").GetString());
        Assert.Equal("first", await _client.Kv.GetAsync(key));
    }

    [Fact]
    public async Task Create_on_a_deleted_key_succeeds()
    {
        var key = Key();
        await _client.Kv.PutAsync(key, "old");
        await _client.Kv.DeleteAsync(key);

        await _client.Kv.CreateAsync(key, "new");

        Assert.Equal("new", await _client.Kv.GetAsync(key));
    }

    [Fact]
    public async Task Cas_succeeds_on_the_current_revision_and_raises_on_conflict()
    {
        var key = Key();
        var r1 = await _client.Kv.PutAsync(key, "a");

        var r2 = await _client.Kv.CasAsync(key, "b", r1);
        var e = await Assert.ThrowsAsync<KvKeyExistsException>(() => _client.Kv.CasAsync(key, "c", r1).AsTask());

        Assert.True(r2 > r1);
        Assert.Equal("b", await _client.Kv.GetAsync(key));
        Assert.Equal(KvKeyExistsException.ConflictCode, e.Code);
        Assert.Equal(key, e.Details.GetProperty("key").GetString());
        Assert.Equal((long)r1, e.Details.GetProperty("expected_revision").GetInt64());
    }

    [Fact]
    public async Task Cas_at_revision_zero_means_absent()
    {
        var key = Key();

        var r = await _client.Kv.CasAsync(key, "born", 0);
        await Assert.ThrowsAsync<KvKeyExistsException>(() => _client.Kv.CasAsync(key, "again", 0).AsTask());

        Assert.Equal(r, (await _client.Kv.GetEntryAsync(key)).Revision);
    }

    [Fact]
    public async Task TryCas_reports_conflicts_without_raising()
    {
        var key = Key();
        var r1 = await _client.Kv.PutAsync(key, "a");

        var ok = await _client.Kv.TryCasAsync(key, "b", r1);
        var lost = await _client.Kv.TryCasAsync(key, "c", r1);

        Assert.NotNull(ok);
        Assert.Null(lost);
        Assert.Equal("b", await _client.Kv.GetAsync(key));
    }

    [Fact]
    public async Task Update_retries_until_every_concurrent_writer_committed()
    {
        var key = Key("counter");
        await using var other = await MeshClient.ConnectAsync(fx.Server.Url);
        await _client.Kv.PutAsync(key, "0");

        var writers = Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? _client : other).Kv
            .UpdateAsync(key, v => (int.Parse(v!) + 1).ToString(), maxRetries: 100).AsTask());
        await Task.WhenAll(writers);

        Assert.Equal("10", await _client.Kv.GetAsync(key));
    }

    [Fact]
    public async Task Update_creates_a_missing_key_and_resurrects_a_deleted_one()
    {
        var key = Key();
        string? seenFirst = "unset";
        string? seenAfterDelete = "unset";

        await _client.Kv.UpdateAsync(key, v =>
        {
            seenFirst = v;
            return "1";
        });
        await _client.Kv.DeleteAsync(key);
        await _client.Kv.UpdateAsync(key, v =>
        {
            seenAfterDelete = v;
            return "2";
        });

        Assert.Null(seenFirst);
        Assert.Null(seenAfterDelete);
        Assert.Equal("2", await _client.Kv.GetAsync(key));
    }

    [Fact]
    public async Task Update_gives_up_with_a_kv_conflict_after_max_retries()
    {
        var key = Key();
        await _client.Kv.PutAsync(key, "0");
        var n = 0;

        // Every attempt is overtaken by another write made inside the update function.
        var e = await Assert.ThrowsAsync<KvKeyExistsException>(() => _client.Kv.UpdateAsync(key, v =>
        {
            n++;
            _client.Kv.PutAsync(key, $"other-{n}").AsTask().GetAwaiter().GetResult();
            return "mine";
        }, maxRetries: 3).AsTask());

        Assert.Equal(3, n);
        Assert.Contains("3 times", e.Message);
    }

    [Fact]
    public async Task List_by_prefix_and_by_wildcard_returns_entries()
    {
        var root = $"tasks{Guid.NewGuid():N}";
        await _client.Kv.PutAsync($"{root}.a", "1");
        await _client.Kv.PutAsync($"{root}.b", "2");
        await _client.Kv.PutAsync($"{root}.c.d", "3");
        await _client.Kv.PutAsync($"{root}.gone", "x");
        await _client.Kv.DeleteAsync($"{root}.gone");
        await _client.Kv.PutAsync($"other{Guid.NewGuid():N}", "no");

        var byPrefix = await _client.Kv.ListAsync(root + ".");
        var star = await _client.Kv.ListAsync(root + ".*");
        var all = await _client.Kv.ListAsync(root + ".>");
        var withDeleted = await _client.Kv.ListAsync(root + ".>", includeDeleted: true);
        var none = await _client.Kv.ListAsync($"nothing{Guid.NewGuid():N}.>");

        Assert.Equal([$"{root}.a", $"{root}.b", $"{root}.c.d"], byPrefix.Select(e => e.Key).Order());
        Assert.Equal([$"{root}.a", $"{root}.b"], star.Select(e => e.Key).Order());
        Assert.Equal(["1", "2", "3"], all.Select(e => e.Text).Order());
        Assert.All(all, e => Assert.Equal("PUT", e.OperationName));
        Assert.All(all, e => Assert.True(e.Revision > 0));
        var gone = Assert.Single(withDeleted, e => e.Key == $"{root}.gone");
        Assert.Equal(KvOperation.Delete, gone.Operation);
        Assert.Equal("DELETE", gone.OperationName);
        Assert.Empty(none);
        Assert.Contains(await _client.Kv.ListAsync(), e => e.Key == $"{root}.a");
    }

    [Fact]
    public async Task Watch_yields_current_then_new_values_of_one_key()
    {
        var key = Key();
        await _client.Kv.PutAsync(key, "v0");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<string>();

        await foreach (var value in _client.Kv.WatchAsync(key, cancellationToken: cts.Token))
        {
            seen.Add(value);
            if (value == "v0")
            {
                await _client.Kv.PutAsync(key, "v1");
                await _client.Kv.DeleteAsync(key);
                await _client.Kv.PutAsync(key, "v2");
            }

            if (value == "v2")
            {
                break;
            }
        }

        Assert.Equal(["v0", "v1", "v2"], seen);
    }

    [Fact]
    public async Task Wildcard_watch_of_entries_sees_puts_and_deletes()
    {
        var root = $"w{Guid.NewGuid():N}";
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(string, KvOperation)>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawPut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _client.Kv.PutAsync($"{root}.seed", "s");

        var watching = Task.Run(async () =>
        {
            await foreach (var e in _client.Kv.WatchEntriesAsync(root + ".>", cancellationToken: cts.Token))
            {
                seen.Add((e.Key, e.Operation));
                started.TrySetResult();
                if (e.Key.EndsWith(".a", StringComparison.Ordinal) && e.Operation == KvOperation.Put)
                {
                    sawPut.TrySetResult();
                }

                if (e.Key.EndsWith(".b", StringComparison.Ordinal))
                {
                    return;
                }
            }
        });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await _client.Kv.PutAsync($"{root}.a", "1");
        // A bucket keeping one value per key drops the put once the delete lands: a watch that has not read it yet
        // never sees it. Delete only after the watch has seen the put.
        await sawPut.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await _client.Kv.DeleteAsync($"{root}.a");
        await _client.Kv.PutAsync($"{root}.b", "2");
        await watching.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([($"{root}.seed", KvOperation.Put), ($"{root}.a", KvOperation.Put), ($"{root}.a", KvOperation.Delete), ($"{root}.b", KvOperation.Put)], seen);
    }

    [Fact]
    public async Task Updates_only_watch_skips_current_values()
    {
        var key = Key();
        await _client.Kv.PutAsync(key, "old");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = Task.Run(async () =>
        {
            await foreach (var v in _client.Kv.WatchAsync(key, updatesOnly: true, cancellationToken: cts.Token))
            {
                first.TrySetResult(v);
                return;
            }
        });

        // Keep writing until the (lazily started) watcher sees a write: a condition wait, no sleep guess.
        var i = 0;
        while (!first.Task.IsCompleted)
        {
            await _client.Kv.PutAsync(key, $"new{i++}");
            await Task.WhenAny(first.Task, Task.Delay(50));
        }

        Assert.StartsWith("new", await first.Task);
        await watching;
    }

    [Fact]
    public async Task Json_helpers_round_trip_models()
    {
        var key = Key("plan");

        var r1 = await _client.Kv.PutJsonAsync(key, new Plan("ann", 1));
        var plan = await _client.Kv.GetJsonAsync<Plan>(key);
        var r2 = await _client.Kv.CasJsonAsync(key, plan with { Step = 2 }, r1);
        var lost = await _client.Kv.TryCasJsonAsync(key, plan with { Step = 9 }, r1);
        await _client.Kv.UpdateJsonAsync<Plan>(key, p => p! with { Step = p.Step + 1 });
        var created = Key("plan");
        await _client.Kv.CreateJsonAsync(created, new Plan("bob", 0));
        await Assert.ThrowsAsync<KvKeyExistsException>(() => _client.Kv.CreateJsonAsync(created, new Plan("bob", 0)).AsTask());

        Assert.Equal(new Plan("ann", 1), plan);
        Assert.True(r2 > r1);
        Assert.Null(lost);
        Assert.Equal(new Plan("ann", 3), await _client.Kv.GetJsonAsync<Plan>(key));
        Assert.Equal("""{"owner":"ann","step":3}""", await _client.Kv.GetAsync(key));
        var listed = await _client.Kv.ListJsonAsync<Plan>("plan.");
        Assert.Equal(new Plan("bob", 0), listed[created]);
        Assert.Equal(new Plan("ann", 3), (await _client.Kv.GetEntryAsync(key)).Deserialize<Plan>());
    }

    [Fact]
    public async Task Invalid_keys_are_rejected()
    {
        foreach (var bad in new[] { "", ".a", "a.", "a..b", "a b", "a.*", "a.>" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => _client.Kv.PutAsync(bad, "x").AsTask());
        }
    }
}

/// <summary>The same on a mesh-context bucket made by the reference SDK (allow_direct false: a missing key is JS API error 10037).</summary>
[Trait("Category", "Integration")]
public sealed class KvTestsOnReferenceBuckets(ReferenceBucketsNatsFixture fx) : KvTests(fx), IClassFixture<ReferenceBucketsNatsFixture>;
