using System.Diagnostics;
using NATS.Client.Core;

namespace OamOrleans.Bench;

/// <summary>
/// The streaming row, driven as a foreign client would (§ streaming): subscribe <c>mesh.stream.{rid}</c>, publish the
/// request with <c>X-Mesh-Stream: true</c>, read chunks until the end frame. Latency = time to first chunk;
/// throughput = chunks per second across all streams in flight.
/// </summary>
internal static class Streaming
{
    public static async Task<Sample> RunAsync(NatsConnection caller, string instanceId, string agent, byte[] body, int expectedChunks,
        int inFlight, TimeSpan warmup, TimeSpan duration, Action? windowStarting = null)
    {
        if (warmup > TimeSpan.Zero)
        {
            await WindowAsync(caller, instanceId, agent, body, expectedChunks, inFlight, warmup, record: false);
        }

        windowStarting?.Invoke();
        return await WindowAsync(caller, instanceId, agent, body, expectedChunks, inFlight, duration, record: true);
    }

    private static async Task<Sample> WindowAsync(NatsConnection caller, string instanceId, string agent, byte[] body, int expectedChunks,
        int inFlight, TimeSpan duration, bool record)
    {
        var firstChunk = new List<long>[inFlight];
        long chunks = 0, errors = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        async Task Worker(List<long> ttfc)
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var rid = Guid.NewGuid().ToString("N");
                var t0 = Stopwatch.GetTimestamp();
                long first = 0, got = 0;
                var ok = false;
                try
                {
                    await using var sub = await caller.SubscribeCoreAsync<byte[]>($"mesh.stream.{rid}");
                    var headers = new NatsHeaders
                    {
                        ["X-Mesh-Request-Id"] = rid,
                        ["X-Mesh-Stream"] = "true",
                        ["X-Mesh-Instance-Id"] = instanceId,
                    };
                    await caller.PublishAsync($"mesh.agent.{agent}", body, headers);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await foreach (var msg in sub.Msgs.ReadAllAsync(timeout.Token))
                    {
                        var h = msg.Headers;
                        if (h is not null && h.TryGetValue("X-Mesh-Status", out var status) && status == "error")
                        {
                            break;
                        }

                        if (h is not null && h.TryGetValue("X-Mesh-Stream-End", out var isEnd) && isEnd == "true")
                        {
                            ok = got == expectedChunks;
                            break;
                        }

                        if (got++ == 0)
                        {
                            first = Stopwatch.GetTimestamp() - t0;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }

                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }
                else if (record)
                {
                    ttfc.Add(first);
                    Interlocked.Add(ref chunks, got);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(w => Task.Run(() => Worker(firstChunk[w] = new List<long>(1024)))));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var s = Load.Summarize(firstChunk, Interlocked.Read(ref errors), seconds);
        return s with { Completed = Interlocked.Read(ref chunks) };
    }
}
