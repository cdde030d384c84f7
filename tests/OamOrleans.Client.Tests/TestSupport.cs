using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>One real nats-server per test class.</summary>
public class NatsFixture : IAsyncLifetime
{
    private NatsServer? _server;

    public NatsServer Server => _server ?? throw new InvalidOperationException("server not started");

    /// <summary>Whether the five KV buckets are made as the reference SDK makes them (allow_direct false) before any test.</summary>
    protected virtual bool ReferenceBuckets => false;

    public async Task InitializeAsync()
    {
        _server = await NatsServer.StartAsync();
        if (ReferenceBuckets)
        {
            await ReferenceMeshBuckets.CreateAsync(_server.Url);
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>A server whose mesh buckets the reference Python SDK made (protocol §4.4).</summary>
public sealed class ReferenceBucketsNatsFixture : NatsFixture
{
    protected override bool ReferenceBuckets => true;
}

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="timeout"/> (default 10 s).</summary>
    public static async Task UntilAsync(Func<ValueTask<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met in time: {what}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>A unique valid agent name in <paramref name="channel"/>, so tests sharing a server never collide.</summary>
    public static string Name(string channel = "t") => $"{channel}.a{Guid.NewGuid():N}";
}
