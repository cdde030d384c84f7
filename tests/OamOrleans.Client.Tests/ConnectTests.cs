using System.Net.Http.Json;
using System.Text.Json;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Port of the reference TypeScript <c>connect.test.ts</c>, plus connection naming and bucket creation seen from the server.</summary>
[Trait("Category", "Integration")]
public sealed class ConnectTests : IAsyncLifetime
{
    private readonly int _monitorPort = NatsServer.FreePort();
    private NatsServer _server = null!;

    public async Task InitializeAsync() => _server = await NatsServer.StartAsync(extraConfig: $"http: 127.0.0.1:{_monitorPort}");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Instance_id_is_32_char_hex_stable_and_unique_per_client()
    {
        await using var a = await MeshClient.ConnectAsync(_server.Url);
        await using var b = await MeshClient.ConnectAsync(_server.Url);

        Assert.Matches("^[0-9a-f]{32}$", a.InstanceId);
        Assert.Equal(a.InstanceId, a.InstanceId);
        Assert.NotEqual(a.InstanceId, b.InstanceId);
    }

    [Fact]
    public async Task Connection_is_named_oam_host_instance_id_on_the_server()
    {
        await using var client = await MeshClient.ConnectAsync(_server.Url);

        using var http = new HttpClient();
        var expected = MeshSubjects.ConnectionName(client.InstanceId);
        await Poll.UntilAsync(async () =>
        {
            var connz = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{_monitorPort}/connz");
            return connz.GetProperty("connections").EnumerateArray().Any(c => c.TryGetProperty("name", out var n) && n.GetString() == expected);
        }, "server lists the oam-host connection");
    }

    [Fact]
    public async Task Options_instance_id_is_used()
    {
        var id = MeshIds.New();

        await using var client = await MeshClient.ConnectAsync(_server.Url, new MeshClientOptions { InstanceId = id });

        Assert.Equal(id, client.InstanceId);
        Assert.Equal("oam-host-" + id, client.Connection.Opts.Name);
    }

    [Fact]
    public async Task Connect_to_a_dead_url_raises_ConnectionFailed()
    {
        var deadUrl = $"nats://127.0.0.1:{NatsServer.FreePort()}";

        var e = await Assert.ThrowsAsync<ConnectionFailedException>(() =>
            MeshClient.ConnectAsync(deadUrl, new MeshClientOptions { ConnectTimeout = TimeSpan.FromSeconds(2) }).AsTask());

        Assert.Equal(MeshErrorCodes.ConnectionFailed, e.Code);
        Assert.Contains(deadUrl, e.Message);
    }

    [Fact]
    public async Task Connect_gets_or_creates_every_bucket_with_history_one()
    {
        await using (await MeshClient.ConnectAsync(_server.Url))
        {
        }

        await using var raw = _server.Connect();
        var js = raw.CreateJetStreamContext();
        var streams = new Dictionary<string, StreamConfig>();
        await foreach (var stream in js.ListStreamsAsync())
        {
            streams[stream.Info.Config.Name!] = stream.Info.Config;
        }

        foreach (var bucket in MeshBuckets.KeyValue)
        {
            Assert.True(streams.TryGetValue("KV_" + bucket, out var config), $"bucket {bucket} missing");
            Assert.Equal(1, config.MaxMsgsPerSubject);
        }

        Assert.Contains("OBJ_" + MeshBuckets.Artifacts, streams.Keys);

        // A second client finds them and does not fail.
        await using var again = await MeshClient.ConnectAsync(_server.Url);
    }

    [Fact]
    public async Task Wrapping_a_named_connection_takes_its_instance_id_and_leaves_it_open()
    {
        var id = MeshIds.New();
        await using var connection = new NATS.Client.Core.NatsConnection(MeshConnections.Options(new MeshEndpoint(_server.Url, null), id));
        await using var sim = await AgentSimulator.StartAsync(_server);
        var agent = await sim.ServeEchoAsync("wrap.echo");

        await using (var client = await MeshClient.CreateAsync(connection))
        {
            Assert.Equal(id, client.InstanceId);
            Assert.Same(connection, client.Connection);
            await client.CallAsync<JsonElement>("wrap.echo", new { message = "x" });
            Assert.Equal(id, (await agent.NextRequestAsync()).Header(MeshHeaders.InstanceId));
        }

        Assert.Equal(NATS.Client.Core.NatsConnectionState.Open, connection.ConnectionState);
        await connection.PingAsync();
    }

    [Fact]
    public async Task Wrapping_an_unnamed_connection_makes_a_new_instance_id()
    {
        await using var connection = _server.Connect("not-a-mesh-name");

        await using var client = await MeshClient.CreateAsync(connection, new MeshClientOptions { EnsureBuckets = false });

        Assert.Matches("^[0-9a-f]{32}$", client.InstanceId);
    }

    [Fact]
    public async Task Call_after_the_server_went_away_raises_ConnectionFailed()
    {
        await using var server = await NatsServer.StartAsync();
        await using var client = await MeshClient.ConnectAsync(server.Url);

        await server.DisposeAsync();
        await Poll.UntilAsync(() => client.Connection.ConnectionState != NATS.Client.Core.NatsConnectionState.Open, "client notices the loss");

        var e = await Assert.ThrowsAsync<ConnectionFailedException>(() =>
            client.CallAsync<JsonElement>("any.agent", null, new CallOptions { Timeout = TimeSpan.FromSeconds(3) }).AsTask()); // retried until its deadline, then refused
        Assert.Equal(MeshErrorCodes.ConnectionFailed, e.Code);
        Assert.Equal("any.agent", e.Agent);
    }

    [Fact]
    public async Task Calls_after_dispose_are_refused()
    {
        var client = await MeshClient.ConnectAsync(_server.Url);
        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.CallAsync<JsonElement>("any.agent", null).AsTask());
    }
}
