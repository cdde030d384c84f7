using NATS.Client.Core;
using OamOrleans.Hosting;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>One real nats-server and one silo shared by the wire tests of a collection.</summary>
public class MeshFixture : IAsyncLifetime
{
    private readonly Func<string, Action<ISiloBuilder>?> _storage;
    private readonly bool _referenceBuckets;

    public MeshFixture()
        : this(storage: null)
    {
    }

    /// <param name="storage">Adds the silo's <c>oam-state</c> storage; null: Orleans' memory storage.</param>
    /// <param name="referenceBuckets">Create the five KV buckets as the reference SDK does (allow_direct false) before the silo starts.</param>
    protected MeshFixture(Action<ISiloBuilder>? storage, bool referenceBuckets = false)
        : this(_ => storage, referenceBuckets)
    {
    }

    /// <param name="storageOn">Adds the silo's <c>oam-state</c> storage given the test server's URL.</param>
    /// <param name="referenceBuckets">Create the five KV buckets as the reference SDK does before the silo starts.</param>
    protected MeshFixture(Func<string, Action<ISiloBuilder>?> storageOn, bool referenceBuckets = false)
    {
        _storage = storageOn;
        _referenceBuckets = referenceBuckets;
    }

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public NatsConnection Raw { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync(maxPayload: 256 * 1024);
        if (_referenceBuckets)
        {
            await ReferenceMeshBuckets.CreateAsync(Nats.Url);
        }

        Silo = await TestSilo.StartAsync(Nats.Url, storage: _storage(Nats.Url)).WaitAsync(TimeSpan.FromMinutes(1));
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

/// <summary>The same mesh on buckets made by the reference Python SDK (allow_direct false, protocol §4.4).</summary>
public sealed class ReferenceBucketsMeshFixture() : MeshFixture(storage: null, referenceBuckets: true);

[CollectionDefinition(Name)]
public sealed class ReferenceBucketsMeshCollection : ICollectionFixture<ReferenceBucketsMeshFixture>
{
    public const string Name = "mesh on reference-made buckets";
}
