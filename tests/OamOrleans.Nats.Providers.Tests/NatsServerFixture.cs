using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>One real nats-server (JetStream, temp dir) per test class; tests isolate themselves by service/cluster id.</summary>
public sealed class NatsServerFixture : IAsyncLifetime
{
    private NatsServer? _server;

    public NatsServer Server => _server ?? throw new InvalidOperationException("not started");

    public string Url => Server.Url;

    public async Task InitializeAsync() => _server = await NatsServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
