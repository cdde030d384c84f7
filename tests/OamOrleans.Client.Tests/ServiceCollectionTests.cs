using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary><c>AddMeshClient</c>: one shared client from the container, options bound and validated, against a real nats-server.</summary>
[Trait("Category", "Integration")]
public sealed class ServiceCollectionTests(NatsFixture fx) : IClassFixture<NatsFixture>
{
    [Fact]
    public async Task AddMeshClient_shares_one_client_that_connects_on_first_use_and_the_container_disposes_it()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMeshClient(fx.Server.Url);
        MeshClient client;
        await using (var provider = services.BuildServiceProvider())
        {
            client = provider.GetRequiredService<MeshClient>();
            Assert.Same(client, provider.GetRequiredService<MeshClient>());
            var key = Wait.Name("di");
            await client.Kv.PutAsync(key, "through the container");
            Assert.Equal(NatsConnectionState.Open, client.Connection.ConnectionState);
            Assert.Equal("through the container", await client.Kv.GetAsync(key));
            Assert.Same(provider.GetRequiredService<ILoggerFactory>(), client.Options.LoggerFactory);
        }

        Assert.Throws<ObjectDisposedException>(() => client.SendAsync("di.gone").AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public async Task AddMeshClient_binds_options_and_the_endpoint_from_configuration()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Endpoint:Url"] = fx.Server.Url,
            ["Mesh:Endpoint:InboxPrefix"] = "_INBOX_BOUND",
            ["Mesh:CallTimeout"] = "00:00:07",
            ["Mesh:ConnectionName"] = "di-bound-client",
        }).Build();
        var services = new ServiceCollection();
        services.Configure<MeshClientOptions>(config.GetSection("Mesh"));
        services.AddMeshClient();
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<MeshClient>();

        Assert.Equal(TimeSpan.FromSeconds(7), client.Options.CallTimeout);
        Assert.Equal("di-bound-client", client.Connection.Opts.Name);
        Assert.Equal(new MeshEndpoint(fx.Server.Url) { InboxPrefix = "_INBOX_BOUND" }, client.Options.Endpoint);
        Assert.Equal("_INBOX_BOUND", client.Connection.Opts.InboxPrefix);
    }

    [Fact]
    public async Task Invalid_options_fail_on_resolve_with_a_message_naming_each_setting()
    {
        var services = new ServiceCollection();
        services.AddMeshClient("http://example.com", o =>
        {
            o.CallTimeout = TimeSpan.Zero;
            o.InstanceId = "not.one.token";
            o.Endpoint = o.Endpoint! with { Tls = new MeshTls { CertFile = "/nonexistent/client.pem" } };
        });
        await using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<MeshClient>());

        Assert.Contains(e.Failures, f => f.Contains("Endpoint: Url 'http://example.com' is not a NATS URL", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("CallTimeout must be positive", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("InstanceId 'not.one.token'", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("CertFile and KeyFile together", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("/nonexistent/client.pem", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resolving_does_not_connect_while_the_mesh_is_down_and_the_first_call_after_it_comes_up_works()
    {
        var port = NatsServer.FreePort();
        var services = new ServiceCollection();
        services.AddMeshClient($"nats://127.0.0.1:{port}", o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        await using var provider = services.BuildServiceProvider();

        // Resolving returns the client with the mesh down (it used to wait for the connect and throw): the DI factory
        // never waits on the network.
        var client = provider.GetRequiredService<MeshClient>();
        Assert.NotEqual(NatsConnectionState.Open, client.Connection.ConnectionState);

        // While the mesh is down an operation fails as MeshClient.ConnectAsync does, naming the URL.
        var down = await Assert.ThrowsAsync<ConnectionFailedException>(async () => await client.Kv.PutAsync("di-early", "x"));
        Assert.Contains($"127.0.0.1:{port}", down.Message, StringComparison.Ordinal);

        await using var server = await NatsServer.StartAsync(port: port);
        await client.Kv.PutAsync("di-late", "after the server came up");
        Assert.Equal("after the server came up", await client.Kv.GetAsync("di-late"));
        Assert.Equal(NatsConnectionState.Open, client.Connection.ConnectionState);

        // The mesh buckets are ensured in the background once the server answers (the catalog cache then watches its bucket).
        await using var observer = new NatsConnection(new NatsOpts { Url = server.Url });
        var kv = observer.CreateKeyValueStoreContext();
        await Poll.UntilAsync(async () => (await kv.GetStoreAsync("mesh-registry")).Bucket == "mesh-registry", "the client created the mesh buckets");
    }

    [Fact]
    public async Task A_deferred_client_reports_an_unreachable_mesh_with_ConnectionFailedException_naming_the_url_without_its_password()
    {
        var port = NatsServer.FreePort();
        const string password = "s3cret-pw";
        var services = new ServiceCollection();
        services.AddMeshClient($"nats://alice:{password}@127.0.0.1:{port}", o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<MeshClient>();

        var failures = new[]
        {
            await Assert.ThrowsAsync<ConnectionFailedException>(async () => await client.CallRawAsync("demo.echo", "{}"u8.ToArray())),
            await Assert.ThrowsAsync<ConnectionFailedException>(async () => await client.Kv.PutAsync("di-down", "x")),
            await Assert.ThrowsAsync<ConnectionFailedException>(async () => await client.CatalogAsync()),
            await Assert.ThrowsAsync<ConnectionFailedException>(async () => await client.ContractAsync("demo.echo")),
        };

        Assert.All(failures, e =>
        {
            Assert.StartsWith($"Cannot connect to the mesh at nats://***@127.0.0.1:{port} (credentials: user 'alice' with the password in the URL)", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(password, e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_deferred_client_sees_the_catalog_on_its_first_operation()
    {
        await using var sim = await AgentSimulator.StartAsync(fx.Server);
        var listed = Wait.Name("deferred");
        await sim.PutCatalogAsync($$"""[{"name": "{{listed}}", "description": "Listed, nobody serves it.", "version": "1.0.0", "tags": [], "invocable": true, "streaming": false}]""");

        var services = new ServiceCollection();
        services.AddMeshClient(fx.Server.Url);
        await using (var provider = services.BuildServiceProvider())
        {
            var catalog = await provider.GetRequiredService<MeshClient>().CatalogAsync();
            Assert.Contains(catalog, e => e.Name == listed);
        }

        // A first call to a listed agent nobody serves is "not available" (the catalog knows it), not "not found".
        await using (var provider = services.BuildServiceProvider())
        {
            var client = provider.GetRequiredService<MeshClient>();
            await Assert.ThrowsAsync<NotAvailableException>(async () =>
                await client.CallRawAsync(listed, "{}"u8.ToArray(), new CallOptions { Retry = MeshRetryOptions.None }));
        }
    }

    [Fact]
    public async Task ConnectAsync_checks_the_same_options_and_names_the_bad_setting()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await MeshClient.ConnectAsync(fx.Server.Url, new MeshClientOptions { SendTimeout = TimeSpan.FromSeconds(-1) }));

        Assert.Contains("SendTimeout must be positive", e.Message, StringComparison.Ordinal);
    }
}
