using NATS.Client.Core;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>One real nats-server and one silo shared by the wire tests of a collection.</summary>
public sealed class MeshFixture : IAsyncLifetime
{
    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public NatsConnection Raw { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync(maxPayload: 256 * 1024);
        Silo = await TestSilo.StartAsync(Nats.Url);
        Raw = Nats.Connect();
        await Raw.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await Raw.DisposeAsync();
        await Silo.DisposeAsync();
        await Nats.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshFixture>
{
    public const string Name = "mesh";
}
