using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;

namespace OamOrleans.Bench;

/// <summary>
/// The floor of the NATS KV row: the write a conversational turn makes when its state lives in NATS KV, alone. Each
/// worker owns a key and updates it with the revision it last wrote (compare-and-set, as the grain storage does), in a
/// bucket configured like the storage's (file storage, history 1), over the caller's connection.
/// </summary>
internal sealed class KvWrites(INatsKVStore store)
{
    private static readonly byte[] State = """{"turns":1}"""u8.ToArray();

    public static async Task<KvWrites> OpenAsync(NatsConnection connection) =>
        new(await connection.CreateKeyValueStoreContext().CreateStoreAsync(new NatsKVConfig("bench-kv-writes") { History = 1 }));

    public async Task<Sample> RunAsync(int inFlight, TimeSpan warmup, TimeSpan duration)
    {
        var revisions = new ulong[inFlight];
        for (var w = 0; w < inFlight; w++)
        {
            revisions[w] = await store.PutAsync(Key(inFlight, w), State);
        }

        return await Load.RunWithSelfCpuAsync(inFlight, warmup, duration, async w =>
        {
            revisions[w] = await store.UpdateAsync(Key(inFlight, w), State, revisions[w]);
            return true;
        });
    }

    private static string Key(int inFlight, int worker) => $"w{inFlight}-{worker}";
}
