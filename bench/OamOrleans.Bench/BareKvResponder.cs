using System.Collections.Concurrent;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;

namespace OamOrleans.Bench;

/// <summary>
/// The floor of the NATS KV row (issue 20): the best a .NET host of a conversational agent with NATS KV state could do on
/// this server. A bare NATS.Net responder in a process of its own that, per request, updates the conversation's key
/// (<c>X-Mesh-Conversation-Id</c>) with compare-and-set on the revision it last wrote, as the grain storage does, with
/// the bytes a <c>demo.counter</c> turn of this build stores (state + turn log, read from the storage bucket before the
/// run), waits for the acknowledgement, then replies with <c>X-Mesh-Status: ok</c>. No Orleans, no bridge, no JSON.
/// </summary>
internal static class BareKvResponder
{
    public const string Subject = "bench.bare.kv";

    /// <summary>The stored value to write every turn, base64, handed to the child process in this environment variable.</summary>
    public const string ValueVariable = "OAM_BENCH_KV_TURN_VALUE";

    private const string Bucket = "bench-bare-kv";

    /// <summary>Child-process role: <c>oam-bench --role bare-kv --url nats://…</c>; serves until stdin closes.</summary>
    public static async Task<int> ServeAsync(string url)
    {
        var value = Convert.FromBase64String(Environment.GetEnvironmentVariable(ValueVariable)
            ?? throw new InvalidOperationException($"{ValueVariable} is not set"));
        await using var connection = new NatsConnection(new NatsOpts { Url = url, Name = "bench-bare-kv-responder" });
        await connection.ConnectAsync();
        var store = await connection.CreateKeyValueStoreContext().CreateOrUpdateStoreAsync(new NatsKVConfig(Bucket) { History = 1, Storage = BenchSilo.KvStorage });
        var revisions = new ConcurrentDictionary<string, ulong>(StringComparer.Ordinal);

        // Conversations run side by side (one request in flight each), as grain activations do.
        return await BareResponder.ServeUntilStdinClosesAsync(connection, Subject, msg =>
        {
            _ = TurnAsync(msg);
            return default;
        });

        async Task TurnAsync(NatsMsg<byte[]> msg)
        {
            var status = "ok";
            try
            {
                var key = msg.Headers is { } h && h.TryGetValue("X-Mesh-Conversation-Id", out var c) ? c.ToString() : "no-conversation";
                revisions[key] = revisions.TryGetValue(key, out var revision)
                    ? await store.UpdateAsync(key, value, revision)
                    : await store.PutAsync(key, value);
            }
            catch (Exception e) when (e is NatsKVException or NatsException)
            {
                status = "error";
            }

            await msg.ReplyAsync(msg.Data, new NatsHeaders { ["X-Mesh-Status"] = status });
        }
    }

    /// <summary>
    /// What a <c>demo.counter</c> turn of this build stores: runs <paramref name="turns"/> turns of one conversation
    /// through the bridge and reads its value back from the grain storage bucket (the only key in it at this point).
    /// </summary>
    public static async Task<byte[]> StoredTurnAsync(NatsConnection caller, string bucket, int turns)
    {
        for (var i = 0; i < turns; i++)
        {
            var headers = new NatsHeaders
            {
                ["X-Mesh-Request-Id"] = Guid.NewGuid().ToString("N"),
                ["X-Mesh-Instance-Id"] = "bench-kv-sample",
                ["X-Mesh-Conversation-Id"] = "bench-kv-99-99", // as long as the rows' ids, used by none
            };
            var reply = await caller.RequestAsync<byte[], byte[]>("mesh.agent.demo.counter", "{}"u8.ToArray(), headers);
            if (reply.Headers is not { } h || !h.TryGetValue("X-Mesh-Status", out var s) || s != "ok")
            {
                throw new InvalidOperationException($"demo.counter turn {i + 1} failed: {System.Text.Encoding.UTF8.GetString(reply.Data ?? [])}");
            }
        }

        var store = await caller.CreateKeyValueStoreContext().GetStoreAsync(bucket);
        byte[]? largest = null;
        await foreach (var key in store.GetKeysAsync())
        {
            var entry = await store.GetEntryAsync<byte[]>(key);
            if (entry.Value is { } v && v.Length > (largest?.Length ?? 0))
            {
                largest = v;
            }
        }

        return largest ?? throw new InvalidOperationException($"no conversation state in bucket '{bucket}' after {turns} turns");
    }
}
