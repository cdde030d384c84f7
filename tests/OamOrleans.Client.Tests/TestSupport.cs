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
    /// <summary>A unique valid agent name in <paramref name="channel"/>, so tests sharing a server never collide.</summary>
    public static string Name(string channel = "t") => $"{channel}.a{Guid.NewGuid():N}";
}
