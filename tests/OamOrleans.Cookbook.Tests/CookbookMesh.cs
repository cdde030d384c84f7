using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using OamOrleans.Samples.Cookbook;
using OamOrleans.Samples.Cookbook.AgentLiveness;
using OamOrleans.Samples.Cookbook.ErrorHandling;

namespace OamOrleans.Cookbook.Tests;

/// <summary>
/// The mesh every recipe runs on: a real nats-server with the accounts of <c>oam mesh up</c> (the health monitor reads
/// the system account's disconnect advisories), two silos of one Orleans cluster hosting the cookbook's agents (the
/// first also runs the health monitor; the persona team on the <see cref="ScriptedChatClient"/> with
/// <see cref="PersonaScript"/>), and a caller's service container as a recipe's program has one: a
/// <see cref="MeshClient"/> and the resilience pipelines.
/// </summary>
public sealed class CookbookMesh : IAsyncLifetime
{
    private ServiceProvider? _callerServices;

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo First { get; private set; } = null!;

    public TestSilo Second { get; private set; } = null!;

    public MeshClient Client { get; private set; } = null!;

    public ResilientMeshCalls Calls { get; private set; } = null!;

    public IServiceProvider CallerServices => _callerServices!;

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync(accounts: true);
        var model = new ScriptedChatClient(PersonaScript.Answer);
        // Two "modules" on one silo builder, as the multi-module recipe has them: the sample agents' assembly by scanning,
        // the cookbook's agents by their own extension.
        void Agents(ISiloBuilder silo) => silo
            .AddAgentsFromAssembly(typeof(EchoAgent).Assembly)
            .AddCookbookAgents(Nats.Url)
            .AddPersonaTeam(_ => model);
        First = await TestSilo.StartAsync(Nats.Url, configure: o => o.HealthMonitorSysUrl = Nats.SysUrl, agents: Agents);
        Second = await TestSilo.StartAsync(Nats.Url, primary: First, agents: Agents);

        _callerServices = new ServiceCollection()
            .AddMeshClient(Nats.Url)
            .AddMeshCallResilience()
            .AddWorkerFailover()
            .BuildServiceProvider();
        Client = _callerServices.GetRequiredService<MeshClient>();
        Calls = _callerServices.GetRequiredService<ResilientMeshCalls>();
        var agents = First.Mesh.Agents.Concat(Second.Mesh.Agents).ToHashSet();
        await Poll.UntilAsync(
            async () => (await Client.CatalogAsync()).Select(e => e.Name).ToHashSet().IsSupersetOf(agents),
            "the catalog lists the cookbook's agents",
            TimeSpan.FromSeconds(30),
            interval: TimeSpan.FromMilliseconds(100));
    }

    /// <summary>A name no other test of the run uses (keys, plans, documents).</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public async Task DisposeAsync()
    {
        if (_callerServices is not null)
        {
            await _callerServices.DisposeAsync();
        }

        if (Second is not null)
        {
            await Second.DisposeAsync();
        }

        if (First is not null)
        {
            await First.DisposeAsync();
        }

        if (Nats is not null)
        {
            await Nats.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CookbookCollection : ICollectionFixture<CookbookMesh>
{
    public const string Name = "cookbook mesh";
}
