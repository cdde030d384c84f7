using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using OamOrleans.Persistence.Nats;
using OamOrleans.Testing;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>The hosting extensions as a silo program calls them.</summary>
[Trait("Category", "Integration")]
public sealed class HostingTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    private static IHost BuildSilo(Action<ISiloBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "hosting-" + Guid.NewGuid().ToString("N")[..8];
                o.ServiceId = "hosting";
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, NatsServer.FreePort(), NatsServer.FreePort());
            configure(silo);
        });
        return builder.Build();
    }

    [Fact]
    public async Task A_silo_with_unusable_storage_options_refuses_to_start_with_a_clear_message()
    {
        using var host = BuildSilo(silo =>
        {
            silo.UseNatsClustering(nats.Url);
            silo.AddNatsGrainStorage("nats", o =>
            {
                o.Url = nats.Url;
                o.BucketName = "not.a.bucket";
            });
        });

        var ex = await Assert.ThrowsAsync<OrleansConfigurationException>(() => host.StartAsync());
        Assert.Contains("not.a.bucket", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_unusable_clustering_options_refuses_to_start_with_a_clear_message()
    {
        using var host = BuildSilo(silo => silo.UseNatsClustering(o => o.Url = "http://example.com"));

        var ex = await Assert.ThrowsAsync<OrleansConfigurationException>(() => host.StartAsync());
        Assert.Contains("http://example.com", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_unusable_reminder_options_refuses_to_start_with_a_clear_message()
    {
        using var host = BuildSilo(silo =>
        {
            silo.UseNatsClustering(nats.Url);
            silo.UseNatsReminderService(o =>
            {
                o.Url = nats.Url;
                o.Replicas = 7;
            });
        });

        var ex = await Assert.ThrowsAsync<OrleansConfigurationException>(() => host.StartAsync());
        Assert.Contains("NATS reminders: Replicas must be between 1 and 5, not 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_provider_variant_registers_the_nats_storage_as_Default()
    {
        using var host = BuildSilo(silo =>
        {
            silo.UseNatsClustering(nats.Url);
            silo.AddNatsGrainStorageAsDefault(nats.Url);
        });
        await host.StartAsync();
        try
        {
            var storage = host.Services.GetRequiredKeyedService<IGrainStorage>("Default");
            Assert.IsType<NatsGrainStorage>(storage);
            var state = new GrainState<ChatState>(new ChatState { Title = "via default" });
            await storage.WriteStateAsync("s", GrainId.Create("agent", "default-provider"), state);
            Assert.NotNull(state.ETag);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
