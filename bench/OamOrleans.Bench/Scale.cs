using System.Diagnostics;
using System.Text.Json;

namespace OamOrleans.Bench;

internal sealed record ScaleResult(
    int Conversations, string Storage, int InFlight, double ActivateSeconds, double ActivateThroughput, long ActivationsAfter,
    double HeapBytesPerConversation, double WorkingSetBytesPerConversation, double HeapAfterMiB, double WorkingSetAfterMiB,
    double DeactivateSeconds, long ActivationsAfterCollection, double ReloadSeconds, double ReloadThroughput, long CorrectCount, long Errors)
{
    public bool Correct => CorrectCount == Conversations && Errors == 0;
}

/// <summary>
/// N distinct conversations of <c>demo.counter</c> through the bridge: one turn each (activation + first state write),
/// memory measured after forced GCs, then every activation collected and every conversation called again: the count
/// must be 2 everywhere (state reloaded from storage).
/// </summary>
internal static class Scale
{
    private const int InFlight = 64;

    public static async Task<ScaleResult> RunAsync(string natsUrl, int n, StateStorage storage)
    {
        Console.Error.WriteLine($"scale run: starting a fresh silo ({storage} storage) for {n:N0} conversations ...");
        await using var silo = await BenchSilo.StartAsync(natsUrl, storage, responseTimeout: TimeSpan.FromMinutes(10));
        await using var caller = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = natsUrl, Name = "bench-scale", RequestTimeout = TimeSpan.FromSeconds(120) });
        await caller.ConnectAsync();
        var management = silo.Grains.GetGrain<IManagementGrain>(0);

        // Warm the path (and the JIT) on other conversations so they don't count in the baseline.
        await PassAsync(caller, 256, i => $"warm-{i}", expected: null);
        var (heap0, ws0) = Snapshot();

        var sw = Stopwatch.StartNew();
        var (ok1, err1) = await PassAsync(caller, n, Key, expected: 1);
        var activateSeconds = sw.Elapsed.TotalSeconds;
        var activations = await management.GetTotalActivationCount();
        var (heap1, ws1) = Snapshot();
        Console.Error.WriteLine($"  activated {ok1:N0}/{n:N0} in {activateSeconds:N1} s ({n / activateSeconds:N0}/s), {activations:N0} activations, heap {heap1 / 1048576.0:N0} MiB, ws {ws1 / 1048576.0:N0} MiB");

        sw.Restart();
        await management.ForceActivationCollection(TimeSpan.Zero);
        var counterType = AgentAttribute.GrainTypeOf("demo.counter");
        long left;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while ((left = (await management.GetActiveGrains(counterType)).Count) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var deactivateSeconds = sw.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"  collected in {deactivateSeconds:N1} s, {left:N0} counter activations left");

        sw.Restart();
        var (ok2, err2) = await PassAsync(caller, n, Key, expected: 2);
        var reloadSeconds = sw.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"  reloaded {ok2:N0}/{n:N0} correct in {reloadSeconds:N1} s ({n / reloadSeconds:N0}/s)");

        return new ScaleResult(
            n, storage == StateStorage.Memory ? "memory" : "NATS KV", InFlight, activateSeconds, n / activateSeconds, activations,
            (heap1 - heap0) / (double)n, (ws1 - ws0) / (double)n, heap1 / 1048576.0, ws1 / 1048576.0,
            deactivateSeconds, left, reloadSeconds, n / reloadSeconds, ok2, err1 + err2 + (n - ok1));

        static string Key(int i) => $"scale-{i}";
    }

    private static async Task<(long Ok, long Errors)> PassAsync(NATS.Client.Core.NatsConnection caller, int n, Func<int, string> key, int? expected)
    {
        var next = -1;
        long ok = 0, errors = 0;
        var body = "{}"u8.ToArray();
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < n)
            {
                try
                {
                    var headers = new NATS.Client.Core.NatsHeaders
                    {
                        ["X-Mesh-Request-Id"] = Guid.NewGuid().ToString("N"),
                        ["X-Mesh-Conversation-Id"] = key(i),
                    };
                    var reply = await caller.RequestAsync<byte[], byte[]>("mesh.agent.demo.counter", body, headers);
                    using var doc = JsonDocument.Parse(reply.Data);
                    var count = doc.RootElement.TryGetProperty("count", out var c) ? c.GetInt32() : -1;
                    if (expected is null || count == expected)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Task.Run(Worker)));
        return (ok, errors);
    }

    private static (long Heap, long WorkingSet) Snapshot()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}
