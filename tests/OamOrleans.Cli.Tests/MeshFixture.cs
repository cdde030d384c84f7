using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using OamOrleans.Testing;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// One real nats-server (JetStream, free port) and one real Orleans silo hosting the sample agents on it, shared by the
/// CLI tests; the tool runs as a separate process against <see cref="Url"/>.
/// </summary>
public class MeshFixture : IAsyncLifetime
{
    private IHost? _silo;

    public NatsServer Nats { get; private set; } = null!;

    public string Url => Nats.Url;

    /// <summary>A working directory with no <c>.oam-url</c> anywhere above it that matters (a fresh temp folder).</summary>
    public string WorkDir { get; } = Directory.CreateTempSubdirectory("oam-cli-").FullName;

    /// <summary>Whether the five KV buckets are made as the reference SDK makes them (allow_direct false) before the silo starts.</summary>
    protected virtual bool ReferenceBuckets => false;

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync();
        if (ReferenceBuckets)
        {
            await ReferenceMeshBuckets.CreateAsync(Nats.Url);
        }

        var siloPort = NatsServer.FreePort();
        var gatewayPort = NatsServer.FreePort();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort);
            silo.AddMemoryGrainStorage("oam-state");
            silo.AddOpenAgentMesh(o =>
            {
                o.Url = Nats.Url;
                o.DrainTimeout = TimeSpan.FromSeconds(5);
            });
            silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
        });
        _silo = builder.Build();
        await _silo.StartAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await WaitForCatalogAsync("demo.echo", "demo.fail", "demo.counter", "demo.words", "demo.ticker");
    }

    /// <summary>Registration runs once the silo is active: wait until the catalog lists the agents the tests use.</summary>
    private async Task WaitForCatalogAsync(params string[] names)
    {
        await using var client = await OamOrleans.Client.MeshClient.ConnectAsync(Url);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var entries = await client.CatalogAsync();
            if (names.All(n => entries.Any(e => e.Name == n)))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the sample agents did not appear in the catalog");
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _silo.StopAsync(cts.Token);
            _silo.Dispose();
        }

        await Nats.DisposeAsync();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Task<OamResult> Oam(params string[] args) => OamTool.RunAsync(args, Url, cwd: WorkDir);

    public Task<OamResult> OamWithStdin(string stdin, params string[] args) => OamTool.RunAsync(args, Url, stdin, cwd: WorkDir);
}

[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshFixture>
{
    public const string Name = "mesh";
}

/// <summary>The same mesh on buckets made by the reference Python SDK (protocol §4.4).</summary>
public sealed class ReferenceBucketsMeshFixture : MeshFixture
{
    protected override bool ReferenceBuckets => true;
}

[CollectionDefinition(Name)]
public sealed class ReferenceBucketsMeshCollection : ICollectionFixture<ReferenceBucketsMeshFixture>
{
    public const string Name = "cli mesh on reference-made buckets";
}
