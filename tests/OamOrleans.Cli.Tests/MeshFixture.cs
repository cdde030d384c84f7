using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using OamOrleans.Testing;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// One real nats-server (JetStream, free port) and one real Orleans silo hosting the sample agents on it, shared by the
/// CLI tests; the tool runs in-process (<see cref="OamInProcess"/>) against <see cref="SiloMeshFixture.Url"/>, or as a
/// separate process (<see cref="OamTool"/>) in <see cref="WorkDir"/> where the process is the point.
/// </summary>
public class MeshFixture : SiloMeshFixture
{
    private static readonly string[] UsedAgents = ["demo.echo", "demo.fail", "demo.counter", "demo.words", "demo.ticker"];

    public MeshFixture()
        : this(referenceBuckets: false)
    {
    }

    protected MeshFixture(bool referenceBuckets)
        : base(maxPayload: null, referenceBuckets)
    {
    }

    /// <summary>A working directory with no <c>.oam-url</c> anywhere above it that matters (a fresh temp folder).</summary>
    public string WorkDir { get; } = Directory.CreateTempSubdirectory("oam-cli-").FullName;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        // Registration runs once the silo is active: wait until the catalog lists the agents the tests use.
        await using var client = await OamOrleans.Client.MeshClient.ConnectAsync(Url);
        await WaitForCatalogAsync(client, UsedAgents);
    }

    protected override Task<TestSilo> StartSiloAsync(string natsUrl) => TestSilo.StartAsync(
        natsUrl,
        configure: o => o.DrainTimeout = TimeSpan.FromSeconds(5),
        agents: silo => silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Runs <c>oam args</c> in-process against this mesh.</summary>
    public Task<OamResult> Oam(params string[] args) => OamInProcess.RunAsync(args, Url);

    /// <summary>Runs <c>oam args</c> in-process against this mesh with <paramref name="stdin"/> piped in.</summary>
    public Task<OamResult> OamWithStdin(string stdin, params string[] args) => OamInProcess.RunAsync(args, Url, stdin);

    /// <summary>Runs the real tool (<c>dotnet oam.dll args</c>) against this mesh in <see cref="WorkDir"/>.</summary>
    public Task<OamResult> OamProcess(params string[] args) => OamTool.RunAsync(args, Url, cwd: WorkDir);
}

[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshFixture>
{
    public const string Name = "mesh";
}

/// <summary>The same mesh on buckets made by the reference Python SDK (protocol §4.4).</summary>
public sealed class ReferenceBucketsMeshFixture() : MeshFixture(referenceBuckets: true);

[CollectionDefinition(Name)]
public sealed class ReferenceBucketsMeshCollection : ICollectionFixture<ReferenceBucketsMeshFixture>
{
    public const string Name = "cli mesh on reference-made buckets";
}
