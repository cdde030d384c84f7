using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>The agent-name rule (reference <c>test_models.py</c>): dot-joined segments of <c>[a-zA-Z0-9_-]+</c>.</summary>
public sealed class AgentNameTests
{
    [Theory]
    [InlineData("echo")]
    [InlineData("nlp.echo")]
    [InlineData("nlp.summarizer.v2")]
    [InlineData("a-b_c.D9")]
    [InlineData("A")]
    [InlineData("0")]
    [InlineData("ops.refresh")]
    public void Accepts_valid_names(string name)
    {
        Assert.True(AgentName.IsValid(name));
        Assert.Equal(name, AgentName.Validate(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("a..b")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData(".")]
    [InlineData("a.*")]
    [InlineData("a.>")]
    [InlineData("é")]
    [InlineData("a\tb")]
    [InlineData("a.b ")]
    public void Rejects_invalid_names(string name)
    {
        Assert.False(AgentName.IsValid(name));
        var e = Assert.Throws<ArgumentException>(() => AgentName.Validate(name, "agent"));
        Assert.Equal("agent", e.ParamName);
        Assert.Contains("Invalid agent name", e.Message);
    }

    [Fact]
    public void Rejects_null()
    {
        Assert.False(AgentName.IsValid(null));
        Assert.Throws<ArgumentException>(() => AgentName.Validate(null));
    }

    [Fact]
    public void Every_captured_agent_name_is_valid()
    {
        var names = Capture.On("$KV.mesh-registry.").Select(m => m.Subject["$KV.mesh-registry.".Length..]).Distinct().ToArray();

        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.True(AgentName.IsValid(n), n));
    }

    [Theory]
    [InlineData("nlp.echo", "nlp")]
    [InlineData("a.b.c", "a.b")]
    [InlineData("echo", "")]
    public void Channel_is_the_leading_segments(string name, string channel) => Assert.Equal(channel, AgentName.ChannelOf(name));

    [Theory]
    [InlineData("nlp.echo", "nlp", true)]
    [InlineData("nlp", "nlp", true)]
    [InlineData("nlp.a.b", "nlp.a", true)]
    [InlineData("nlpx.echo", "nlp", false)]
    [InlineData("nl.echo", "nlp", false)]
    public void Channel_membership_is_name_or_dotted_prefix(string name, string channel, bool expected) =>
        Assert.Equal(expected, AgentName.IsInChannel(name, channel));
}
