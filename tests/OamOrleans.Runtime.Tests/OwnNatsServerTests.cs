using NATS.Client.Core;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>Base of the test classes that start a nats-server of their own for every test, with a plain connection to it.</summary>
public abstract class OwnNatsServerTests : IAsyncLifetime
{
    protected NatsServer Nats { get; private set; } = null!;

    protected NatsConnection Raw { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync();
        Raw = Nats.Connect();
        await Raw.ConnectAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Raw.DisposeAsync();
        await Nats.DisposeAsync();
    }
}
