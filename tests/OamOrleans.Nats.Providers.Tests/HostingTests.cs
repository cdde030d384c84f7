using OamOrleans.Client;
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
                o.Endpoint = new MeshEndpoint(nats.Url);
                o.BucketName = "not.a.bucket";
            });
        });

        var ex = await Assert.ThrowsAsync<OrleansConfigurationException>(() => host.StartAsync());
        Assert.Contains("not.a.bucket", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_unusable_clustering_options_refuses_to_start_with_a_clear_message()
    {
        using var host = BuildSilo(silo => silo.UseNatsClustering(o => o.Endpoint = new MeshEndpoint("http://example.com")));

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
                o.Endpoint = new MeshEndpoint(nats.Url);
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

    [Fact]
    public async Task Providers_given_no_endpoint_use_the_mesh_endpoint_of_the_silo()
    {
        using var host = BuildSilo(silo =>
        {
            // What AddOpenAgentMesh registers: the silo's resolved mesh endpoint.
            silo.Services.AddSingleton(new MeshEndpoint(nats.Url));
            silo.UseNatsClustering();
            silo.AddNatsGrainStorage("nats");
            silo.UseNatsReminderService();
        });

        Assert.Equal(nats.Url, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<NatsGrainStorageOptions>>().Get("nats").Endpoint?.Url);
        Assert.Equal(nats.Url, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OamOrleans.Clustering.Nats.NatsClusteringOptions>>().Value.Endpoint?.Url);
        Assert.Equal(nats.Url, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OamOrleans.Clustering.Nats.NatsReminderTableOptions>>().Value.Endpoint?.Url);
        await host.StartAsync();
        try
        {
            var state = new GrainState<ChatState>(new ChatState { Title = "on the mesh's NATS" });
            await host.Services.GetRequiredKeyedService<IGrainStorage>("nats").WriteStateAsync("s", GrainId.Create("agent", "mesh-endpoint"), state);
            Assert.NotNull(state.ETag);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
