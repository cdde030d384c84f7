using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;

namespace OamOrleans.Bench;

/// <summary>
/// The floor of the NATS KV row: the write a conversational turn makes when its state lives in NATS KV, alone. Each
/// worker owns a key and updates it with the revision it last wrote (compare-and-set, as the grain storage does), in a
/// bucket configured like the storage's (file storage, history 1), over the caller's connection. The value is what a
/// <c>demo.counter</c> turn writes: its state plus a full turn log (16 request ids and replies, the default
/// <c>TurnLogSize</c>), about 1.4 KB; row <c>kv-write-state</c> writes the bare state (11 bytes) instead.
/// </summary>
internal sealed class KvWrites(INatsKVStore store, byte[] value)
{
    public const int TurnLog = 16;

    public static async Task<KvWrites> OpenAsync(NatsConnection connection, bool withTurnLog) =>
        new(await connection.CreateKeyValueStoreContext().CreateStoreAsync(new NatsKVConfig("bench-kv-writes") { History = 1 }), Value(withTurnLog));

    private string Key(int inFlight, int worker) => $"w{inFlight}-{worker}-{(value.Length > 64 ? "log" : "state")}";

    public async Task<Sample> RunAsync(int inFlight, TimeSpan warmup, TimeSpan duration)
    {
        var revisions = new ulong[inFlight];
        for (var w = 0; w < inFlight; w++)
        {
            revisions[w] = await store.PutAsync(Key(inFlight, w), value);
        }

        return await Load.RunWithSelfCpuAsync(inFlight, warmup, duration, async w =>
        {
            revisions[w] = await store.UpdateAsync(Key(inFlight, w), value, revisions[w]);
            return true;
        });
    }

    /// <summary>The stored form of a counter conversation (<c>ConversationSnapshot</c>): the state's properties, then <c>oam_turns</c>.</summary>
    private static byte[] Value(bool withTurnLog)
    {
        if (!withTurnLog)
        {
            return """{"turns":1}"""u8.ToArray();
        }

        var turns = Enumerable.Range(1, TurnLog).Select(i => new
        {
            id = Guid.NewGuid().ToString("N"),
            reply = new { count = i, conversationId = "bench-kv-64-12" },
        });
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["turns"] = TurnLog, ["oam_turns"] = turns });
    }
}
