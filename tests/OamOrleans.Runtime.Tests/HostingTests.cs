using Microsoft.Extensions.Hosting;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>Bad hosting configuration stops the silo at start with a message that names the problem.</summary>
[Trait("Category", "Integration")]
public sealed class HostingTests
{
    [Fact]
    public async Task Invalid_options_fail_silo_start_naming_the_option()
    {
        await using var nats = await NatsServer.StartAsync();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(nats.Url, configure: o => o.MaxConcurrentRequests = 0));
        Assert.Contains("MaxConcurrentRequests", error.ToString());
        error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(nats.Url, configure: o => o.MaxQueuedRequests = 0));
        Assert.Contains("MaxQueuedRequests", error.ToString());
    }

    [Fact]
    public async Task An_unreachable_nats_server_fails_silo_start_naming_the_url()
    {
        var url = $"nats://127.0.0.1:{NatsServer.FreePort()}";
        // A short connect wait: the default keeps trying for 60 s, for a NATS that starts after the silo.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(url, configure: o => o.ConnectTimeout = TimeSpan.FromSeconds(2)));
        Assert.Contains(url, error.ToString());
    }

    [Fact]
    public void Classes_that_are_not_agents_are_refused()
    {
        var builder = Host.CreateApplicationBuilder();
        var error = Assert.Throws<ArgumentException>(() => builder.UseOrleans(silo => OamOrleans.Hosting.MeshSiloBuilderExtensions.AddAgent(silo, typeof(string))));
        Assert.Contains("[Agent(", error.Message);
    }
}
