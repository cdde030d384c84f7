using System.Text.Json.Nodes;
using OamOrleans.Protocol;
using static OamOrleans.Runtime.Tests.RawNats;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// Requests to a stateless agent that arrive together go to its grain in one call (MeshBridge batching); every one must
/// still be answered on its own: its own body, request id, usage and error, exactly as if it had come alone.
/// </summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BatchingTests(MeshFixture mesh)
{
    [Fact]
    public async Task Concurrent_requests_to_a_stateless_agent_each_get_their_own_answer_valid_and_invalid_mixed()
    {
        const int n = 500;
        var ids = Enumerable.Range(0, n).Select(_ => MeshIds.New()).ToArray();
        static string? BodyOf(int i) => (i % 7) switch
        {
            3 => $$"""{"message": {{i}}}""", // wrong type: invalid_input from the validator
            5 => null,                       // empty body: invalid_input, input required
            _ => $$"""{"message": "m{{i}}"}""",
        };

        var replies = await Task.WhenAll(Enumerable.Range(0, n).Select(i => RequestAsync(mesh.Raw, "demo.echo", BodyOf(i), ids[i])));

        for (var i = 0; i < n; i++)
        {
            var reply = replies[i];
            Assert.Equal(ids[i], Header(reply, "X-Mesh-Request-Id"));
            if (i % 7 is 3 or 5)
            {
                Assert.Equal("error", Header(reply, "X-Mesh-Status"));
                var envelope = Json(reply);
                Assert.Equal("invalid_input", envelope.GetProperty("code").GetString());
                Assert.Equal(ids[i], envelope.GetProperty("request_id").GetString());
                Assert.Equal(i % 7 == 3 ? "string_type" : "missing",
                    envelope.GetProperty("details").GetProperty("errors")[0].GetProperty("type").GetString());
            }
            else
            {
                Assert.Equal("ok", Header(reply, "X-Mesh-Status"));
                Assert.Equal($"Echo: m{i}", Json(reply).GetProperty("reply").GetString());
                Assert.Equal("demo.echo", Header(reply, "X-Mesh-Source"));
                Assert.False(HasHeader(reply, "X-Mesh-Usage"));
            }
        }
    }

    [Fact]
    public async Task Concurrent_requests_keep_their_own_usage_and_handler_errors()
    {
        const int n = 200;
        var usageIds = Enumerable.Range(0, n).Select(_ => MeshIds.New()).ToArray();
        var codedIds = Enumerable.Range(0, n).Select(_ => MeshIds.New()).ToArray();
        var usage = Enumerable.Range(0, n).Select(i => RequestAsync(mesh.Raw, "test.usage", $"\"u{i}\"", usageIds[i])).ToArray();
        var coded = Enumerable.Range(0, n).Select(i => RequestAsync(mesh.Raw, "test.coded", $"\"c{i}\"", codedIds[i])).ToArray();
        await Task.WhenAll(usage.Concat(coded));

        for (var i = 0; i < n; i++)
        {
            var reply = await usage[i];
            Assert.Equal(usageIds[i], Header(reply, "X-Mesh-Request-Id"));
            Assert.Equal("ok", Header(reply, "X-Mesh-Status"));
            Assert.Equal($"u{i}", Json(reply).GetString());
            var reported = JsonNode.Parse(Header(reply, "X-Mesh-Usage"))!.AsObject();
            Assert.Equal(15, (int)reported["input_tokens"]!); // two reports of this request only, merged
            Assert.Equal(2, (int)reported["output_tokens"]!);

            var error = await coded[i];
            Assert.Equal(codedIds[i], Header(error, "X-Mesh-Request-Id"));
            Assert.Equal("error", Header(error, "X-Mesh-Status"));
            var envelope = Json(error);
            Assert.Equal("quota_exceeded", envelope.GetProperty("code").GetString());
            Assert.Equal($"quota exceeded for c{i}", envelope.GetProperty("message").GetString());
            Assert.Equal(codedIds[i], envelope.GetProperty("request_id").GetString());
            Assert.Equal(3, envelope.GetProperty("details").GetProperty("limit").GetInt32());
        }
    }

    [Fact]
    public async Task Once_an_agent_is_known_to_be_slow_a_slow_request_does_not_hold_up_fast_ones_that_arrive_with_it()
    {
        // A batch is answered when its slowest request is done; the bridge stops batching an agent whose calls are slow.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RequestAsync(mesh.Raw, "test.wait", "300")));

        // One slow and thirty fast requests in one socket write reach the bridge together, as a batch would form.
        await using var nats = await NatsProtocolClient.ConnectAsync(mesh.Nats.Port);
        await nats.SubscribeAsync("_INBOX.burst.>");
        var burst = new[] { new NatsProtocolClient.Outgoing(MeshSubjects.Agent("test.wait"), "_INBOX.burst.slow", null, "3000") }
            .Concat(Enumerable.Range(0, 30).Select(i => new NatsProtocolClient.Outgoing(MeshSubjects.Agent("test.wait"), $"_INBOX.burst.fast{i}", null, "0")));
        await nats.PublishAsync(burst);

        var order = new List<string>();
        for (var i = 0; i < 31; i++)
        {
            var reply = await nats.ReadAsync(TimeSpan.FromSeconds(10));
            Assert.Contains("X-Mesh-Status: ok\r\n", reply.Headers);
            order.Add(reply.Subject);
        }

        Assert.Equal("_INBOX.burst.slow", order[^1]); // every fast one was answered before the slow one
    }
}
