using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>Agents added and removed at run time (<see cref="IDynamicAgents"/>): served, registered, drained and deregistered like agent classes.</summary>
[Trait("Category", "Integration")]
public sealed class DynamicAgentTests : OwnNatsServerTests
{
    private static AgentContract Contract(string name, string description = "Upper-cases its input.") => new()
    {
        Name = name,
        Description = description,
        Invocable = true,
        RegisteredAt = MeshIds.Now(),
    };

    private static Task<byte[]> Upper(DynamicAgentRequest request) =>
        Task.FromResult(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(request.Input.Span).ToUpperInvariant()));

    private async Task<bool> RegistryHasAsync(string name)
    {
        var store = await Raw.CreateKeyValueStoreContext().GetStoreAsync("mesh-registry");
        try
        {
            var entry = await store.GetEntryAsync<byte[]>(name);
            return entry.Value is { Length: > 0 };
        }
        catch (Exception e) when (e is NatsKVKeyDeletedException or NatsKVKeyNotFoundException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_dynamic_agent_is_served_registered_replaced_and_removed_with_a_death_notice()
    {
        await using var silo = await TestSilo.StartAsync(Nats.Url, agents: s => s.AddAgent<EchoAgent>());
        var dynamic = silo.Services.GetRequiredService<IDynamicAgents>();

        await dynamic.AddAsync(Contract("dyn.upper"), Upper);
        var reply = await RawNats.RequestAsync(Raw, "dyn.upper", """{"text":"hi"}""");
        Assert.Equal("""{"TEXT":"HI"}""", Encoding.UTF8.GetString(reply.Data!));
        Assert.True(await RegistryHasAsync("dyn.upper"));
        Assert.Contains("dyn.upper", silo.Mesh.Agents);

        // A second add replaces contract and handler.
        await dynamic.AddAsync(Contract("dyn.upper", "Now lower-cases."), r => Task.FromResult("\"lower\""u8.ToArray()));
        reply = await RawNats.RequestAsync(Raw, "dyn.upper", "{}");
        Assert.Equal("\"lower\"", Encoding.UTF8.GetString(reply.Data!));

        // A handler that throws is answered handler_error, as a failing agent class is.
        await dynamic.AddAsync(Contract("dyn.broken"), _ => throw new InvalidOperationException("broken on purpose"));
        reply = await RawNats.RequestAsync(Raw, "dyn.broken", "{}");
        Assert.Equal("handler_error", RawNats.Json(reply).GetProperty("code").GetString());

        // A mesh error it throws reaches the caller with its own code and message (the reference forwards them unchanged).
        await dynamic.AddAsync(Contract("dyn.missing"), _ => throw new NotFoundException("no such ticket"));
        reply = await RawNats.RequestAsync(Raw, "dyn.missing", "{}");
        Assert.Equal("not_found", RawNats.Json(reply).GetProperty("code").GetString());
        Assert.Equal("no such ticket", RawNats.Json(reply).GetProperty("message").GetString());

        await using var deaths = await Raw.SubscribeCoreAsync<byte[]>("mesh.death.dyn.upper");
        await Raw.PingAsync();
        Assert.True(await dynamic.RemoveAsync("dyn.upper"));
        Assert.False(await dynamic.RemoveAsync("dyn.upper"));
        Assert.False(await dynamic.RemoveAsync("demo.echo")); // an agent class is not removed this way

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var notice = await deaths.Msgs.ReadAsync(wait.Token);
        Assert.Equal("graceful_shutdown", (string?)JsonNode.Parse(notice.Data!)!["reason"]);
        Assert.False(await RegistryHasAsync("dyn.upper"));
        Assert.DoesNotContain("dyn.upper", silo.Mesh.Agents);
        await Assert.ThrowsAsync<NatsNoRespondersException>(() => RawNats.RequestAsync(Raw, "dyn.upper", "{}"));
    }

    [Fact]
    public async Task A_dynamic_agent_cannot_take_an_agent_class_name_or_stream_and_dies_with_the_silo()
    {
        var silo = await TestSilo.StartAsync(Nats.Url, agents: s => s.AddAgent<EchoAgent>());
        var dynamic = silo.Services.GetRequiredService<IDynamicAgents>();

        var taken = await Assert.ThrowsAsync<InvalidOperationException>(() => dynamic.AddAsync(Contract("demo.echo"), Upper));
        Assert.Contains("'demo.echo' is an agent class", taken.Message, StringComparison.Ordinal);
        var streaming = await Assert.ThrowsAsync<ArgumentException>(() => dynamic.AddAsync(Contract("dyn.stream") with { Streaming = true }, Upper));
        Assert.Contains("not streaming", streaming.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => dynamic.AddAsync(Contract("bad name!"), Upper));

        await dynamic.AddAsync(Contract("dyn.upper"), Upper);
        await using var deaths = await Raw.SubscribeCoreAsync<byte[]>("mesh.death.dyn.upper");
        await Raw.PingAsync();
        await silo.DisposeAsync();

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var notice = await deaths.Msgs.ReadAsync(wait.Token);
        Assert.Equal("dyn.upper", (string?)JsonNode.Parse(notice.Data!)!["agent"]);
        Assert.False(await RegistryHasAsync("dyn.upper"));
    }
}
