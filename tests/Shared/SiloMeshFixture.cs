using OamOrleans.Client;
using OamOrleans.Hosting;

namespace OamOrleans.Testing;

/// <summary>
/// One real nats-server and one in-process <see cref="TestSilo"/> on it, shared by the tests of a collection: the shape
/// of every mesh fixture (Runtime's wire tests, the CLI's tool tests). Subclasses choose the silo and add their helpers.
/// </summary>
public abstract class SiloMeshFixture : IAsyncLifetime
{
    private readonly int? _maxPayload;
    private readonly bool _referenceBuckets;

    /// <param name="maxPayload">The server's <c>max_payload</c>; null: its default.</param>
    /// <param name="referenceBuckets">Create the five KV buckets as the reference SDK does (allow_direct false) before the silo starts.</param>
    protected SiloMeshFixture(int? maxPayload, bool referenceBuckets)
    {
        _maxPayload = maxPayload;
        _referenceBuckets = referenceBuckets;
    }

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public string Url => Nats.Url;

    public virtual async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync(maxPayload: _maxPayload);
        if (_referenceBuckets)
        {
            await ReferenceMeshBuckets.CreateAsync(Nats.Url);
        }

        Silo = await StartSiloAsync(Nats.Url).WaitAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>Waits until the catalog lists <paramref name="agents"/>: registration runs once the silo is active.</summary>
    protected static Task WaitForCatalogAsync(MeshClient client, IReadOnlyCollection<string> agents) => Poll.UntilAsync(async () =>
    {
        var entries = await client.CatalogAsync();
        return agents.All(n => entries.Any(e => e.Name == n));
    }, $"the catalog lists {string.Join(", ", agents)}", TimeSpan.FromSeconds(30), interval: TimeSpan.FromMilliseconds(100));

    /// <summary>Starts this fixture's silo on the test server.</summary>
    protected abstract Task<TestSilo> StartSiloAsync(string natsUrl);

    public virtual async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        await Nats.DisposeAsync();
    }
}
