using System.Text.Json;
using OamOrleans.Protocol;
using Xunit;
using OamOrleans.Testing;

namespace OamOrleans.Client.Tests;

/// <summary>
/// Client-side pre-flight (protocol §7.4) for stream, send and subscribe(agent=) from the catalog cache: the reference's
/// messages, code <c>invocation_mismatch</c>, and nothing on the wire. Owns a server whose catalog it writes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PreflightTests : IAsyncLifetime
{
    private const string Responder = "pf.responder";
    private const string Streamer = "pf.streamer";
    private const string Publisher = "pf.publisher";
    private const string Background = "pf.background";

    private Testing.NatsServer _server = null!;
    private AgentSimulator _sim = null!;
    private MeshClient _client = null!;
    private readonly Dictionary<string, SimAgent> _agents = [];

    public async Task InitializeAsync()
    {
        _server = await Testing.NatsServer.StartAsync();
        _sim = await AgentSimulator.StartAsync(_server);
        _client = await MeshClient.ConnectAsync(_server.Url);
        await _sim.PutCatalogAsync($$"""
            [{"name": "{{Responder}}", "description": "r", "version": "0.1.0", "tags": [], "invocable": true, "streaming": false},
             {"name": "{{Streamer}}", "description": "s", "version": "0.1.0", "tags": [], "invocable": true, "streaming": true},
             {"name": "{{Publisher}}", "description": "p", "version": "0.1.0", "tags": [], "invocable": false, "streaming": true},
             {"name": "{{Background}}", "description": "b", "version": "0.1.0", "tags": [], "invocable": false, "streaming": false}]
            """);
        await Poll.UntilAsync(async () => (await _client.CatalogAsync()).Count == 4, "catalog cache sees the four agents");
        foreach (var name in new[] { Responder, Streamer, Publisher, Background })
        {
            _agents[name] = await _sim.ServeAsync(name, r => ValueTask.FromResult(_sim.Ok(name, r.RequestId, "{}")));
        }
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _sim.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData(Publisher, "is a publisher and cannot be streamed. Subscribe to its events instead")]
    [InlineData(Background, "is a background task and cannot be streamed")]
    [InlineData(Responder, "does not support streaming. Use call() instead")]
    public async Task Stream_preflight(string agent, string suffix)
    {
        var e = await Assert.ThrowsAsync<InvocationMismatchException>(async () =>
        {
            await foreach (var _ in _client.StreamAsync<JsonElement>(agent))
            {
            }
        });

        Assert.Equal($"Agent '{agent}' {suffix}", e.Message);
        Assert.Equal(MeshErrorCodes.InvocationMismatch, e.Code);
        Assert.Equal(agent, e.Agent);
        Assert.Empty(_agents[agent].Requests);
    }

    [Theory]
    [InlineData(Publisher, "is a publisher and cannot be sent to. Subscribe to its events instead")]
    [InlineData(Background, "is a background task and cannot be sent to")]
    public async Task Send_preflight(string agent, string suffix)
    {
        var e = await Assert.ThrowsAsync<InvocationMismatchException>(() => _client.SendAsync(agent, new { }).AsTask());

        Assert.Equal($"Agent '{agent}' {suffix}", e.Message);
        Assert.Empty(_agents[agent].Requests);
    }

    [Theory]
    [InlineData(Streamer, "streams responses to requests. Use stream() instead")]
    [InlineData(Responder, "does not publish events. Use call() instead")]
    [InlineData(Background, "is a background task and does not publish events")]
    public async Task Subscribe_preflight(string agent, string suffix)
    {
        var e = await Assert.ThrowsAsync<InvocationMismatchException>(async () =>
        {
            await foreach (var _ in _client.SubscribeRawAsync(agent: agent))
            {
            }
        });

        Assert.Equal($"Agent '{agent}' {suffix}", e.Message);
    }

    [Fact]
    public async Task Allowed_verbs_pass_the_preflight()
    {
        // send to a streamer is allowed by the reference's pre-flight (the agent itself then refuses it).
        await _client.SendAsync(Streamer, new { });
        await _client.SendAsync(Responder, new { });
        Assert.Single(await Task.WhenAll(_agents[Streamer].NextRequestAsync(), _agents[Responder].NextRequestAsync()), r => r.Subject == MeshSubjects.Agent(Streamer));

        // subscribe to a cataloged publisher is allowed (no registry read needed).
        using var cts = new CancellationTokenSource();
        var sub = Task.Run(async () =>
        {
            await foreach (var _ in _client.SubscribeRawAsync(agent: Publisher, cancellationToken: cts.Token))
            {
            }
        });
        await _sim.WaitForInterestAsync(MeshSubjects.Events(Publisher));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sub);
    }
}
