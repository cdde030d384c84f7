using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>A C#-hosted agent seen from a raw NATS client: bodies, headers and every error path, byte-level names.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class WireConformanceTests(MeshFixture mesh)
{
    [Fact]
    public async Task Responder_reply_has_output_body_and_reference_headers()
    {
        var rid = MeshIds.New();
        var reply = await RequestAsync(mesh.Raw, "demo.echo", """{"message": "hi"}""", rid);

        Assert.Equal("Echo: hi", Json(reply).GetProperty("reply").GetString());
        Assert.Equal("ok", Header(reply, "X-Mesh-Status"));
        Assert.Equal("demo.echo", Header(reply, "X-Mesh-Source"));
        Assert.Equal(rid, Header(reply, "X-Mesh-Request-Id"));
        Assert.Equal(mesh.Silo.Mesh.InstanceId, Header(reply, "X-Mesh-Instance-Id"));
        Assert.Matches("^[0-9a-f]{32}$", Header(reply, "X-Mesh-Instance-Id"));
        Assert.False(HasHeader(reply, "X-Mesh-Usage"));
    }

    [Fact]
    public async Task Scalar_input_and_output_travel_as_json_scalars()
    {
        var reply = await RequestAsync(mesh.Raw, "demo.greet", "\"Ann\"");
        Assert.Equal("Hello, Ann", Json(reply).GetString());
    }

    [Fact]
    public async Task Trigger_runs_with_an_empty_body()
    {
        var reply = await RequestAsync(mesh.Raw, "demo.clock", null);
        Assert.True(DateTimeOffset.TryParse(Json(reply).GetProperty("utc").GetString(), out _));
    }

    [Fact]
    public async Task Missing_request_id_is_echoed_as_empty_string()
    {
        var reply = await mesh.Raw.RequestAsync<byte[], byte[]>("mesh.agent.demo.echo", """{"message":"x"}"""u8.ToArray());
        Assert.Equal("", Header(reply, "X-Mesh-Request-Id"));
        Assert.Equal("ok", Header(reply, "X-Mesh-Status"));
    }

    [Fact]
    public async Task Nested_types_enums_lists_and_renamed_properties_round_trip()
    {
        var reply = await RequestAsync(mesh.Raw, "test.typed", """{"name":"a","count":2,"mood":"Excited","tags":["x","y"],"home":{"city":"Oslo"},"extra":"ignored"}""");
        var body = Json(reply);
        Assert.Equal("a:2:Excited:x|y:", body.GetProperty("summary").GetString());
        Assert.Equal("Oslo", body.GetProperty("home").GetProperty("city").GetString());
        Assert.True(body.GetProperty("snake_case").GetBoolean());
    }

    [Fact]
    public async Task Wrong_type_gives_invalid_input_with_pydantic_style_details_on_reply_and_dead_letter()
    {
        await using var errors = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.errors.demo.echo");
        var rid = MeshIds.New();
        var reply = await RequestAsync(mesh.Raw, "demo.echo", """{"message": 42}""", rid);

        Assert.Equal("error", Header(reply, "X-Mesh-Status"));
        Assert.False(HasHeader(reply, "X-Mesh-Source"));
        Assert.Equal(rid, Header(reply, "X-Mesh-Request-Id"));
        var envelope = Json(reply);
        Assert.Equal(["code", "message", "agent", "request_id", "details"], envelope.EnumerateObject().Select(p => p.Name));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
        Assert.Equal("Input failed validation for agent 'demo.echo'", envelope.GetProperty("message").GetString());
        Assert.Equal("demo.echo", envelope.GetProperty("agent").GetString());
        Assert.Equal(rid, envelope.GetProperty("request_id").GetString());
        var error = Assert.Single(envelope.GetProperty("details").GetProperty("errors").EnumerateArray());
        Assert.Equal("string_type", error.GetProperty("type").GetString());
        Assert.Equal(["message"], error.GetProperty("loc").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(42, error.GetProperty("input").GetInt32());
        Assert.Equal("Input should be a valid string", error.GetProperty("msg").GetString());

        var copy = await NextAsync(errors, m => Header(m, "X-Mesh-Request-Id") == rid);
        Assert.Equal("error", Header(copy, "X-Mesh-Status"));
        Assert.Equal(mesh.Silo.Mesh.InstanceId, Header(copy, "X-Mesh-Instance-Id"));
        Assert.Equal(envelope.ToString(), Json(copy).ToString());
    }

    [Theory]
    [InlineData("""{}""", "missing", "message")]
    [InlineData("""{"mesage": "typo"}""", "missing", "message")]
    [InlineData("""[1, 2]""", "model_type", null)]
    [InlineData("""{"message": null}""", null, "message")]
    public async Task Missing_fields_and_wrong_shapes_are_invalid_input(string body, string? type, string? loc)
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "demo.echo", body));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
        var errors = envelope.GetProperty("details").GetProperty("errors").EnumerateArray().ToList();
        Assert.NotEmpty(errors);
        if (type is not null)
        {
            Assert.Contains(errors, e => e.GetProperty("type").GetString() == type);
        }

        if (loc is not null)
        {
            Assert.Contains(errors, e => e.GetProperty("loc").EnumerateArray().Any(l => l.ValueKind == JsonValueKind.String && l.GetString() == loc));
        }
    }

    [Fact]
    public async Task Nullable_fields_report_the_expected_type_like_pydantic()
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "demo.counter", """{"conversation": 5}"""));
        var error = Assert.Single(envelope.GetProperty("details").GetProperty("errors").EnumerateArray());
        Assert.Equal("string_type", error.GetProperty("type").GetString());
        Assert.Equal("Input should be a valid string", error.GetProperty("msg").GetString());
        Assert.Equal(["conversation"], error.GetProperty("loc").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task Json_is_written_without_needless_escapes()
    {
        var reply = await RequestAsync(mesh.Raw, "demo.fail", """{"message":"a+b"}""");
        var text = System.Text.Encoding.UTF8.GetString(reply.Data!);
        Assert.Contains("refused 'a+b'", text);
    }

    [Fact]
    public async Task Nested_validation_errors_locate_the_nested_field()
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "test.typed", """{"name":"a","count":"two","mood":"Bored","tags":["x", 3],"home":{}}"""));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
        var errors = envelope.GetProperty("details").GetProperty("errors").EnumerateArray()
            .Select(e => (Type: e.GetProperty("type").GetString(), Loc: string.Join('.', e.GetProperty("loc").EnumerateArray().Select(l => l.ToString()))))
            .ToList();
        Assert.Contains(("int_type", "count"), errors);
        Assert.Contains(("enum", "mood"), errors);
        Assert.Contains(("string_type", "tags.1"), errors);
        Assert.Contains(("missing", "home.city"), errors);
    }

    [Theory]
    [InlineData("{\"message\": ")]
    [InlineData("not json")]
    [InlineData("{\"message\": \"a\"} trailing")]
    public async Task Malformed_json_is_invalid_input(string body)
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "demo.echo", body));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
        var error = envelope.GetProperty("details").GetProperty("errors")[0];
        Assert.Equal("json_invalid", error.GetProperty("type").GetString());
        Assert.Equal(body, error.GetProperty("input").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("ctx").GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Empty_body_to_an_agent_that_needs_input_is_invalid_input()
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "demo.echo", null));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
        Assert.Contains("empty", envelope.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Invalid_utf8_is_invalid_input()
    {
        var reply = await RequestBytesAsync(mesh.Raw, "demo.greet", [0x22, 0xC3, 0x28, 0x22]);
        var envelope = Json(reply);
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
        Assert.Equal("utf8_invalid", envelope.GetProperty("details").GetProperty("errors")[0].GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("demo.counter", """{"conversation":"\ud800"}""")]
    [InlineData("demo.counter", """{"conversation":"x\ude00"}""")]
    [InlineData("demo.echo", """{"message":"a\udc00\ud800b"}""")]
    [InlineData("demo.fail", """{"message":"\ud83d"}""")]
    public async Task A_lone_surrogate_escape_is_invalid_input_with_json_invalid_details(string agent, string body)
    {
        var envelope = Json(await RequestAsync(mesh.Raw, agent, body));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
        var error = envelope.GetProperty("details").GetProperty("errors")[0];
        Assert.Equal("json_invalid", error.GetProperty("type").GetString());
        Assert.Contains("surrogate", error.GetProperty("ctx").GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("*")]
    [InlineData("r.>")]
    [InlineData("r..x")]
    public async Task A_stream_request_whose_request_id_makes_no_subject_is_refused_on_its_reply_subject(string requestId)
    {
        var reply = await RequestAsync(mesh.Raw, "demo.words", """{"message":"a b"}""", requestId, new Dictionary<string, string> { [MeshHeaders.Stream] = "true" });
        var envelope = Json(reply);
        Assert.Equal("error", Header(reply, MeshHeaders.Status));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
        Assert.Equal(requestId, envelope.GetProperty("request_id").GetString());
        Assert.Equal(MeshHeaders.RequestId, envelope.GetProperty("details").GetProperty("errors")[0].GetProperty("loc")[0].GetString());
    }

    [Fact]
    public async Task Deeply_nested_json_is_invalid_input()
    {
        var deep = new string('[', 5000) + new string(']', 5000);
        var envelope = Json(await RequestAsync(mesh.Raw, "demo.echo", deep));
        Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Handler_exception_is_handler_error_with_the_exception_message_on_reply_and_dead_letter()
    {
        await using var errors = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.errors.demo.fail");
        var rid = MeshIds.New();
        var reply = await RequestAsync(mesh.Raw, "demo.fail", """{"message":"boom"}""", rid);

        var envelope = Json(reply);
        Assert.Equal("handler_error", envelope.GetProperty("code").GetString());
        Assert.Equal("demo.fail refused 'boom'", envelope.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Object, envelope.GetProperty("details").ValueKind);
        Assert.Equal("error", Header(reply, "X-Mesh-Status"));
        var copy = await NextAsync(errors, m => Header(m, "X-Mesh-Request-Id") == rid);
        Assert.Equal("handler_error", Json(copy).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Unknown_mesh_error_codes_from_handlers_are_forwarded_unchanged()
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "test.coded", "\"ann\""));
        Assert.Equal("quota_exceeded", envelope.GetProperty("code").GetString());
        Assert.Equal("quota exceeded for ann", envelope.GetProperty("message").GetString());
        Assert.Equal(3, envelope.GetProperty("details").GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task Stream_request_to_a_responder_is_invocation_mismatch_on_the_stream_subject()
    {
        var rid = MeshIds.New();
        await using var stream = await mesh.Raw.SubscribeCoreAsync<byte[]>(MeshSubjects.Stream(rid));
        await using var errors = await mesh.Raw.SubscribeCoreAsync<byte[]>("mesh.errors.demo.echo");
        await mesh.Raw.PublishAsync("mesh.agent.demo.echo", """{"message":"x"}"""u8.ToArray(),
            headers: new NatsHeaders { ["X-Mesh-Request-Id"] = rid, ["X-Mesh-Stream"] = "true" });

        var frame = await NextAsync(stream, _ => true);
        Assert.Equal("true", Header(frame, "X-Mesh-Stream-End"));
        Assert.Equal("error", Header(frame, "X-Mesh-Status"));
        Assert.False(HasHeader(frame, "X-Mesh-Stream-Seq"));
        var envelope = Json(frame);
        Assert.Equal("invocation_mismatch", envelope.GetProperty("code").GetString());
        Assert.Equal("Agent 'demo.echo' does not support streaming. Use call() instead", envelope.GetProperty("message").GetString());
        await NextAsync(errors, m => Header(m, "X-Mesh-Request-Id") == rid);
    }

    [Fact]
    public async Task Request_without_reply_subject_still_runs_the_handler()
    {
        var conversation = "fire-" + MeshIds.New();
        await mesh.Raw.PublishAsync("mesh.agent.demo.counter", Encoding.UTF8.GetBytes($$"""{"conversation":"{{conversation}}"}"""));
        // Each probe is a turn too; the fire-and-forget turn shows as a count one higher than the probes made.
        await Poll.UntilAsync(
            async () => Json(await RequestAsync(mesh.Raw, "demo.counter", $$"""{"conversation":"{{conversation}}"}""")).GetProperty("count").GetInt32() >= 2,
            "the fire-and-forget turn is counted",
            TimeSpan.FromSeconds(10),
            interval: TimeSpan.Zero);
    }

    [Fact]
    public async Task Reply_larger_than_max_payload_becomes_handler_error()
    {
        var envelope = Json(await RequestAsync(mesh.Raw, "test.big", (512 * 1024).ToString()));
        Assert.Equal("handler_error", envelope.GetProperty("code").GetString());
        Assert.Contains("max_payload", envelope.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Request_larger_than_max_payload_is_refused_by_nats_and_the_silo_keeps_serving()
    {
        var huge = Encoding.UTF8.GetBytes($$"""{"message":"{{new string('x', 300 * 1024)}}"}""");
        await Assert.ThrowsAnyAsync<NatsException>(async () => await RequestBytesAsync(mesh.Raw, "demo.echo", huge));
        var reply = await RequestAsync(mesh.Raw, "demo.echo", """{"message":"still here"}""");
        Assert.Equal("Echo: still here", Json(reply).GetProperty("reply").GetString());
    }

    [Fact]
    public async Task Unknown_agent_gets_no_responders()
    {
        await Assert.ThrowsAsync<NatsNoRespondersException>(async () => await RequestAsync(mesh.Raw, "demo.nobody", "{}"));
    }

    [Fact]
    public async Task Conversation_header_is_echoed_on_replies()
    {
        var reply = await RequestAsync(mesh.Raw, "demo.counter", "{}", headers: new Dictionary<string, string> { ["X-Mesh-Conversation-Id"] = "echo-me" });
        Assert.Equal("echo-me", Header(reply, "X-Mesh-Conversation-Id"));
        Assert.Equal("echo-me", Json(reply).GetProperty("conversationId").GetString());
    }

    internal static async Task<NatsMsg<byte[]>> NextAsync(INatsSub<byte[]> sub, Func<NatsMsg<byte[]>, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync(cts.Token))
            {
                if (match(msg))
                {
                    return msg;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"no matching message on {sub.Subject}");
    }
}
