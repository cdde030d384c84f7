using System.Text;
using System.Text.Json;
using OamOrleans.Expiry;

namespace OamOrleans.Runtime.Tests.Units;

/// <summary>The idle-expiry rule: the declared TTL is checked with a message naming the agent, and a stored snapshot carries its last turn.</summary>
public sealed class ConversationExpiryRuleTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData("soon")]
    [InlineData("00:00:00.5")]
    [InlineData("-1.00:00:00")]
    [InlineData("")]
    public void A_state_ttl_that_is_not_a_time_span_of_a_second_or_more_is_refused_naming_the_agent(string ttl)
    {
        var error = Assert.Throws<ArgumentException>(() => ConversationExpiry.ParseTtl(new AgentAttribute("test.ttl") { StateTtl = ttl }, typeof(ExpiringAgent), conversational: true));
        Assert.Contains("Agent 'test.ttl'", error.Message);
        Assert.Contains($"StateTtl = \"{ttl}\"", error.Message);
        Assert.Contains("\"7.00:00:00\"", error.Message);
    }

    [Fact]
    public void A_state_ttl_on_an_agent_without_conversation_state_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ConversationExpiry.ParseTtl(new AgentAttribute("test.stateless") { StateTtl = "1.00:00:00" }, typeof(Samples.Agents.EchoAgent), conversational: false));
        Assert.Contains("Agent 'test.stateless'", error.Message);
        Assert.Contains("ConversationalAgent", error.Message);
    }

    [Fact]
    public void A_declared_state_ttl_reaches_the_agents_descriptor()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), AgentDescriptor.Create(typeof(ExpiringAgent), DateTimeOffset.UtcNow).StateTtl);
        Assert.Equal(TimeSpan.FromDays(7), ConversationExpiry.ParseTtl(new AgentAttribute("test.week") { StateTtl = "7.00:00:00" }, typeof(ExpiringAgent), conversational: true));
        Assert.Null(AgentDescriptor.Create(typeof(LifecycleAgent), DateTimeOffset.UtcNow).StateTtl);
    }

    [Fact]
    public void The_last_turn_rides_in_the_snapshot_and_is_read_without_the_state()
    {
        var at = new DateTimeOffset(2026, 12, 5, 9, 30, 0, TimeSpan.Zero);
        var snapshot = new ConversationSnapshot<ExpiringState> { State = new ExpiringState { Count = 4 }, LastTurn = at };

        var bytes = JsonSerializer.SerializeToUtf8Bytes(snapshot, Json);
        var read = JsonSerializer.Deserialize<ConversationSnapshot<ExpiringState>>(bytes, Json)!;

        Assert.Equal(at, ConversationExpiry.LastTurnOf(bytes));
        Assert.Equal(at, read.LastTurn);
        Assert.Equal(4, read.State.Count);
        Assert.Null(ConversationExpiry.LastTurnOf("""{"count":4}"""u8));
        Assert.Null(ConversationExpiry.LastTurnOf(Encoding.UTF8.GetBytes("not json")));
        Assert.Null(ConversationExpiry.LastTurnOf("[1,2]"u8));
    }

    [Fact]
    public void A_conversation_is_expired_only_once_more_than_its_ttl_has_passed()
    {
        var last = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);
        Assert.False(ConversationExpiry.IsExpired(last, TimeSpan.FromMinutes(1), last.AddMinutes(1)));
        Assert.True(ConversationExpiry.IsExpired(last, TimeSpan.FromMinutes(1), last.AddMinutes(1).AddTicks(1)));
    }
}
