using NATS.Client.Core;
using OamOrleans.Hosting;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>One real nats-server and one silo shared by the wire tests of a collection.</summary>
public class MeshFixture : IAsyncLifetime
{
    private readonly Func<string, Action<ISiloBuilder>?> _storage;

    public MeshFixture()
        : this(storage: null)
    {
    }

    /// <param name="storage">Adds the silo's <c>oam-state</c> storage; null: Orleans' memory storage.</param>
    protected MeshFixture(Action<ISiloBuilder>? storage) => _storage = _ => storage;

    /// <param name="storageOn">Adds the silo's <c>oam-state</c> storage given the test server's URL.</param>
    protected MeshFixture(Func<string, Action<ISiloBuilder>> storageOn) => _storage = storageOn;

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public NatsConnection Raw { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync(maxPayload: 256 * 1024);
        Silo = await TestSilo.StartAsync(Nats.Url, storage: _storage(Nats.Url));
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

/// <summary>The same, with conversation state in the silo-local memory storage.</summary>
public sealed class SiloMemoryMeshFixture() : MeshFixture(silo => silo.AddSiloMemoryGrainStorage());

/// <summary>The same, with conversation state in JetStream KV (the NATS grain storage).</summary>
public sealed class NatsKvMeshFixture() : MeshFixture(url => silo => silo.AddNatsGrainStorage(MeshHostOptions.DefaultStateStorageName, url));

[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshFixture>
{
    public const string Name = "mesh";
}
