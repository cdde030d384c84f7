using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using OamOrleans.Samples.Agents.Middleware;

namespace OamOrleans.Telemetry.Tests;

/// <summary>The sample rate-limiting middleware, per conversation, as a .NET caller sees it.</summary>
[Trait("Category", "Integration")]
public sealed class RateLimitMiddlewareTests
{
    [Fact]
    public async Task Over_the_limit_a_conversation_is_refused_rate_limited_with_a_retry_after_while_others_are_served()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var silo = await TestSilo.StartAsync(nats.Url, agents: s =>
        {
            s.AddAgent<CounterAgent>();
            s.Services.AddSingleton(new RateLimitOptions { PermitLimit = 2, Window = TimeSpan.FromMinutes(1), PerConversation = true });
            s.AddAgentMiddleware<RateLimitMiddleware>();
        });
        await using var client = await MeshClient.ConnectAsync(nats.Url, new MeshClientOptions { EnsureBuckets = false });
        var a = new CallOptions { ConversationId = "a" };

        Assert.Equal(1, (await client.CallAsync<CounterOut>("demo.counter", new { }, a)).Count);
        Assert.Equal(2, (await client.CallAsync<CounterOut>("demo.counter", new { }, a)).Count);
        var refused = await Assert.ThrowsAnyAsync<MeshException>(() => client.CallAsync<CounterOut>("demo.counter", new { }, a).AsTask());
        Assert.Equal("rate_limited", refused.Code);
        Assert.InRange(refused.Details.GetProperty("retry_after_seconds").GetDouble(), 0.001, 60);

        Assert.Equal(1, (await client.CallAsync<CounterOut>("demo.counter", new { }, new CallOptions { ConversationId = "b" })).Count);
    }
}
