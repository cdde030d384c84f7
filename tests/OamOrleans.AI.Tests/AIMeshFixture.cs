using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using OamOrleans.Samples.Assistant;

namespace OamOrleans.AI.Tests;

/// <summary>
/// One real nats-server and one real silo hosting the sample agents, this assembly's test agents and
/// <c>demo.assistant</c> on the <see cref="ScriptedChatClient"/>; a mesh client and a plain NATS connection on it.
/// </summary>
public sealed class AIMeshFixture : SiloMeshFixture
{
    public AIMeshFixture()
        : base(maxPayload: null, referenceBuckets: false)
    {
    }

    public MeshClient Client { get; private set; } = null!;

    public NatsConnection Raw { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Raw = Nats.Connect();
        await Raw.ConnectAsync();
        Client = await MeshClient.ConnectAsync(Url);
        string[] expected = ["demo.echo", "demo.ticker", "demo.words", "test.mcp.on", AssistantAgent.Name];
        await WaitForCatalogAsync(Client, expected);
    }

    protected override Task<TestSilo> StartSiloAsync(string natsUrl) => TestSilo.StartAsync(
        natsUrl,
        configure: o => o.DrainTimeout = TimeSpan.FromSeconds(5),
        agents: silo =>
        {
            silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
            silo.AddAgentsFromAssembly(typeof(AIMeshFixture).Assembly);
            silo.AddAssistantAgent(_ => new ScriptedChatClient());
        });

    public override async Task DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        if (Raw is not null)
        {
            await Raw.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AIMeshCollection : ICollectionFixture<AIMeshFixture>
{
    public const string Name = "ai mesh";
}
