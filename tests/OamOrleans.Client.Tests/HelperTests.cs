using System.Text;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>The client's one-copy helpers: pre-flight by verb, error replies to typed errors, observability levels, option checks.</summary>
public sealed class HelperTests
{
    [Theory]
    [InlineData(MeshVerb.Call, false, true, "is a publisher and cannot be called")]
    [InlineData(MeshVerb.Call, false, false, "is a background task and cannot be called")]
    [InlineData(MeshVerb.Call, true, true, "is streaming-only")]
    [InlineData(MeshVerb.Stream, true, false, "does not support streaming")]
    [InlineData(MeshVerb.Stream, false, true, "is a publisher and cannot be streamed")]
    [InlineData(MeshVerb.Send, false, false, "is a background task and cannot be sent to")]
    [InlineData(MeshVerb.Subscribe, true, false, "does not publish events")]
    [InlineData(MeshVerb.Subscribe, true, true, "streams responses to requests")]
    internal void Preflight_refuses_a_verb_that_does_not_fit_the_shape(MeshVerb verb, bool invocable, bool streaming, string why)
    {
        var e = Assert.Throws<InvocationMismatchException>(() => CallPreflight.Check("t.agent", verb, invocable, streaming));

        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Equal("t.agent", e.Agent);
    }

    [Theory]
    [InlineData(MeshVerb.Call, true, false)]
    [InlineData(MeshVerb.Stream, true, true)]
    [InlineData(MeshVerb.Send, true, true)]
    [InlineData(MeshVerb.Subscribe, false, true)]
    [InlineData(MeshVerb.Call, null, null)]
    internal void Preflight_lets_a_fitting_verb_or_an_unknown_shape_through(MeshVerb verb, bool? invocable, bool? streaming) =>
        CallPreflight.Check("t.agent", verb, invocable, streaming);

    [Fact]
    public void An_error_reply_becomes_the_typed_error_with_the_callers_request_id_and_the_target_when_it_names_no_agent()
    {
        var body = Encoding.UTF8.GetBytes("""{"code":"invalid_input","message":"bad","agent":"","request_id":"theirs","details":{"errors":[]}}""");

        var e = MeshException.FromErrorReply(body, "t.target", "mine");

        var typed = Assert.IsType<InvalidInputException>(e);
        Assert.Equal("t.target", typed.Agent);
        Assert.Equal("mine", typed.RequestId);
        Assert.Equal("bad", typed.Message);
    }

    [Fact]
    public void An_error_frame_keeps_its_own_agent_and_request_id_and_a_missing_code_reads_as_the_fallback()
    {
        var body = Encoding.UTF8.GetBytes("""{"message":"boom","agent":"t.other","request_id":"theirs"}""");

        var e = MeshException.FromErrorReply(body, agent: "t.target", requestId: null, MeshErrorCodes.HandlerError);

        Assert.IsType<HandlerErrorException>(e);
        Assert.Equal("t.other", e.Agent);
        Assert.Equal("theirs", e.RequestId);
    }

    [Theory]
    [InlineData("""{"log_level":"debug"}""", "debug")]
    [InlineData("""{"log_level":"off","other":1}""", "off")]
    [InlineData("""{"log_level":"loud"}""", null)]
    [InlineData("""{"log_level":3}""", null)]
    [InlineData("""["debug"]""", null)]
    [InlineData("not json", null)]
    [InlineData("", null)]
    [InlineData("""{"log_level":"\uD800"}""", null)]
    public void An_observability_entry_reads_as_its_level_or_as_none(string value, string? level) =>
        Assert.Equal(level, ObserveLevels.Parse(Encoding.UTF8.GetBytes(value)));

    [Fact]
    public void The_agent_level_wins_over_global_which_wins_over_the_default_info()
    {
        Assert.Equal(new EffectiveObserveSettings("debug", "agent"), ObserveLevels.Effective("debug", "error"));
        Assert.Equal(new EffectiveObserveSettings("error", "global"), ObserveLevels.Effective(null, "error"));
        Assert.Equal(new EffectiveObserveSettings(LogEvent.Info, "default"), ObserveLevels.Effective(null, null));
        Assert.Equal(20, ObserveLevels.DefaultLevelValue);
        Assert.Equal("debug", ObserveLevels.Parse(ObserveLevels.Entry("debug")));
    }

    [Fact]
    public void Default_options_are_valid_and_several_nats_urls_are_accepted()
    {
        Assert.Empty(MeshClientOptionsValidator.Problems(new MeshClientOptions()));
        Assert.Empty(MeshClientOptionsValidator.Problems(new MeshClientOptions { Endpoint = new MeshEndpoint("nats://a:4222, tls://b:4222"), InstanceId = MeshIds.New() }));
    }

    [Fact]
    public void A_url_with_a_password_is_redacted_in_the_validation_message()
    {
        var problem = Assert.Single(MeshClientOptionsValidator.Problems(new MeshClientOptions { Endpoint = new MeshEndpoint("http://user:secret@host:4222") }));

        Assert.DoesNotContain("secret", problem, StringComparison.Ordinal);
    }
}
