using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;

namespace OamOrleans.Bench;

/// <summary>
/// The write a conversational turn makes when its state lives in NATS KV, alone. Each worker owns a key and updates it
/// with the revision it last wrote (compare-and-set, as the grain storage does), in a bucket configured like the
/// storage's (file storage, history 1), over the caller's connection. The value is what a <c>demo.counter</c> turn of
/// this build stores (its state plus a full turn log, read back from the storage: <see cref="BareKvResponder.StoredTurnAsync"/>);
/// row <c>kv-write-state</c> writes the bare state (<see cref="StateOnly"/>, 11 bytes) instead.
/// </summary>
internal sealed class KvWrites(INatsKVStore store, byte[] value)
{
    /// <summary>The state of a counter conversation without its turn log.</summary>
    public static byte[] StateOnly => """{"turns":1}"""u8.ToArray();

    public static async Task<KvWrites> OpenAsync(NatsConnection connection, byte[] value) =>
        new(await connection.CreateKeyValueStoreContext().CreateStoreAsync(new NatsKVConfig("bench-kv-writes") { History = 1, Storage = BenchSilo.KvStorage }), value);

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
}
