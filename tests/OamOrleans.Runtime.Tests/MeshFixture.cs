using NATS.Client.Core;
using OamOrleans.Hosting;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>One real nats-server and one silo (every sample and test agent) shared by the wire tests of a collection.</summary>
public class MeshFixture : SiloMeshFixture
{
    private readonly Func<string, Action<ISiloBuilder>?> _storage;

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
        : base(maxPayload: 256 * 1024, referenceBuckets)
    {
        _storage = storageOn;
    }

    public NatsConnection Raw { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Raw = Nats.Connect();
        await Raw.ConnectAsync();
    }

    protected override Task<TestSilo> StartSiloAsync(string natsUrl) => TestSilo.StartAsync(natsUrl, storage: _storage(natsUrl));

    public override async Task DisposeAsync()
    {
        if (Raw is not null)
        {
            await Raw.DisposeAsync();
        }

        await base.DisposeAsync();
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
