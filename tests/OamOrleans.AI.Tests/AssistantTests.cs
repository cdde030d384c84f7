using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NATS.Client.Core;
using OamOrleans.Protocol;
using OamOrleans.Samples.Assistant;

namespace OamOrleans.AI.Tests;

/// <summary>
/// <c>demo.assistant</c> called by a plain NATS client: the scripted model chooses agents, Microsoft.Extensions.AI's function
/// invocation calls them in-cluster through <c>context.Mesh</c>, and the model's usage leaves on the reply.
/// </summary>
[Collection(AIMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AssistantTests(AIMeshFixture mesh)
{
    private async Task<NatsMsg<byte[]>> AskAsync(string task)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { task });
        return await mesh.Raw.RequestAsync<byte[], byte[]>(
            MeshSubjects.Agent(AssistantAgent.Name),
            body,
            headers: new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New() },
            replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(30) });
    }

    private static string Header(NatsMsg<byte[]> msg, string name) =>
        msg.Headers is { } h && h.TryGetValue(name, out var v) ? v.ToString() : throw new Xunit.Sdk.XunitException($"header {name} missing");

    [Fact]
    public async Task The_assistant_calls_the_agents_the_model_chooses_and_answers_with_their_results()
    {
        var reply = await AskAsync("""
            call demo_echo {"message": "hi"}
            call demo_greet {"input": "Ann"}
            """);

        Assert.Equal("ok", Header(reply, MeshHeaders.Status));
        var output = JsonNode.Parse(reply.Data)!;
        Assert.Equal(["demo.echo", "demo.greet"], output["calls"]!.AsArray().Select(c => (string)c!));
        var answer = (string)output["answer"]!;
        Assert.Contains("demo_echo={\"reply\":\"Echo: hi\"}", answer, StringComparison.Ordinal);
        Assert.Contains("demo_greet=\"Hello, Ann\"", answer, StringComparison.Ordinal);

        // The model was offered the catalog, without the assistant itself.
        var offered = answer[(answer.IndexOf("tools=", StringComparison.Ordinal) + "tools=".Length)..].Split(',');
        Assert.Contains("demo_echo", offered);
        Assert.Contains("test_mcp_on", offered);
        Assert.DoesNotContain("demo_assistant", offered);
        Assert.DoesNotContain("demo_words", offered);
    }

    [Fact]
    public async Task The_model_usage_of_every_round_is_on_the_reply_with_the_model_name()
    {
        var reply = await AskAsync("""call demo_echo {"message": "usage"}""");

        var usage = JsonNode.Parse(Header(reply, MeshHeaders.Usage))!;
        Assert.Equal(250, (int)usage["input_tokens"]!);   // two rounds: 100 + 150
        Assert.Equal(30, (int)usage["output_tokens"]!);
        Assert.Equal(280, (int)usage["total_tokens"]!);
        Assert.Equal(ScriptedChatClient.Model, (string)usage["model"]!);
    }

    [Fact]
    public async Task A_tool_call_to_a_failing_agent_gives_the_model_handler_error_and_the_conversation_goes_on()
    {
        var reply = await AskAsync("""
            call demo_fail {"message": "boom"}
            call demo_echo {"message": "after"}
            """);

        Assert.Equal("ok", Header(reply, MeshHeaders.Status));
        var output = JsonNode.Parse(reply.Data)!;
        var answer = (string)output["answer"]!;
        var failLine = answer.Split('\n').Single(l => l.StartsWith("demo_fail=", StringComparison.Ordinal));
        var error = JsonNode.Parse(failLine["demo_fail=".Length..])!["error"]!;
        Assert.Equal("handler_error", (string)error["code"]!);
        Assert.Equal("demo.fail refused 'boom'", (string)error["message"]!);
        Assert.Contains("demo_echo={\"reply\":\"Echo: after\"}", answer, StringComparison.Ordinal);
        Assert.Equal(["demo.fail", "demo.echo"], output["calls"]!.AsArray().Select(c => (string)c!));
    }

    [Fact]
    public async Task Usage_of_a_streamed_model_reply_adds_to_what_the_handler_reports()
    {
        var reply = await mesh.Raw.RequestAsync<byte[], byte[]>(
            MeshSubjects.Agent("test.chat.stream"),
            Encoding.UTF8.GetBytes("\"hello\""),
            headers: new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New() },
            replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(30) });

        Assert.Equal("ok", Header(reply, MeshHeaders.Status));
        Assert.StartsWith("tools=", JsonSerializer.Deserialize<string>(reply.Data), StringComparison.Ordinal);
        var usage = JsonNode.Parse(Header(reply, MeshHeaders.Usage))!;
        Assert.Equal(100, (int)usage["input_tokens"]!);
        Assert.Equal(10, (int)usage["output_tokens"]!);
        Assert.Equal(110, (int)usage["total_tokens"]!);
        Assert.Equal(ScriptedChatClient.Model, (string)usage["model"]!);
        Assert.Equal(0.25, (double)usage["estimated_cost_usd"]!, 6);
    }

    [Fact]
    public async Task Concurrent_calls_each_carry_only_their_own_model_usage()
    {
        // A reentrant stateless worker runs these interleaved: each call's chat usage must land on its own reply.
        var replies = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => mesh.Raw.RequestAsync<byte[], byte[]>(
            MeshSubjects.Agent("test.chat.stream"),
            Encoding.UTF8.GetBytes($"\"hello {i}\""),
            headers: new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New() },
            replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(30) }).AsTask()));

        Assert.All(replies, reply =>
        {
            var usage = JsonNode.Parse(Header(reply, MeshHeaders.Usage))!;
            Assert.Equal(110, (int)usage["total_tokens"]!);
            Assert.Equal(0.25, (double)usage["estimated_cost_usd"]!, 6);
        });

        var plain = await mesh.Raw.RequestAsync<byte[], byte[]>(
            MeshSubjects.Agent("demo.echo"),
            Encoding.UTF8.GetBytes("""{"message":"x"}"""),
            headers: new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New() });
        Assert.False(plain.Headers?.ContainsKey(MeshHeaders.Usage) == true);
    }
}
