using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Client tests against the wire-level agent simulator: a fresh simulator and a connected client per test.</summary>
public abstract class SimulatorTests(NatsFixture fx) : IClassFixture<NatsFixture>, IAsyncLifetime
{
    protected NatsFixture Fixture => fx;

    private protected AgentSimulator Sim { get; private set; } = null!;

    protected MeshClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Sim = await AgentSimulator.StartAsync(fx.Server);
        Client = await MeshClient.ConnectAsync(fx.Server.Url);
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await Sim.DisposeAsync();
    }
}
