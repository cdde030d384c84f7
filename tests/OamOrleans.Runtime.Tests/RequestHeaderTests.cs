using System.Text;
using System.Text.Json;
using OamOrleans.Protocol;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// The bridge reads request headers itself (MeshRequest), straight from the socket buffers. These tests speak the NATS
/// protocol over a bare TCP socket, so they can send what no NATS library would: header names in any case, repeated
/// headers, padding, and lines that are not headers at all.
/// </summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RequestHeaderTests(MeshFixture mesh)
{
    [Fact]
    public async Task Header_names_match_in_any_case_values_are_trimmed_and_the_first_of_a_repeated_header_wins()
    {
        await using var nats = await NatsProtocolClient.ConnectAsync(mesh.Nats.Port);
        var reply = await nats.RequestAsync(
            MeshSubjects.Agent("demo.counter"),
            "NATS/1.0\r\nx-mesh-request-id:   rid-first \t\r\nX-MESH-REQUEST-ID: rid-second\r\nx-Mesh-Conversation-Id: conv-case\r\n\r\n",
            "{}");

        Assert.Contains("X-Mesh-Status: ok\r\n", reply.Headers);
        Assert.Contains("X-Mesh-Request-Id: rid-first\r\n", reply.Headers);
        Assert.Contains("X-Mesh-Conversation-Id: conv-case\r\n", reply.Headers);
        Assert.Equal("conv-case", JsonDocument.Parse(reply.Body).RootElement.GetProperty("conversationId").GetString());
    }

    [Fact]
    public async Task A_malformed_header_line_is_skipped_and_the_agent_keeps_answering()
    {
        await using var nats = await NatsProtocolClient.ConnectAsync(mesh.Nats.Port);
        var reply = await nats.RequestAsync(
            MeshSubjects.Agent("demo.echo"),
            "NATS/1.0\r\nthis line has no colon\r\n: no name\r\nX-Mesh-Request-Id: rid-after-junk\r\n\r\n",
            """{"message": "still here"}""");

        Assert.Contains("X-Mesh-Status: ok\r\n", reply.Headers);
        Assert.Contains("X-Mesh-Request-Id: rid-after-junk\r\n", reply.Headers);
        Assert.Equal("Echo: still here", EchoText(reply));

        // The subscription is still there for everyone else.
        var next = await RawNats.RequestAsync(mesh.Raw, "demo.echo", """{"message": "next"}""");
        Assert.Equal("ok", RawNats.Header(next, MeshHeaders.Status));
    }

    [Fact]
    public async Task A_request_without_headers_is_answered_with_an_empty_request_id()
    {
        await using var nats = await NatsProtocolClient.ConnectAsync(mesh.Nats.Port);
        var reply = await nats.RequestAsync(MeshSubjects.Agent("demo.echo"), headers: null, """{"message": "plain"}""");

        Assert.Contains("X-Mesh-Status: ok\r\n", reply.Headers);
        Assert.Contains("X-Mesh-Request-Id: \r\n", reply.Headers);
        Assert.Equal("Echo: plain", EchoText(reply));
    }

    [Fact]
    public async Task The_first_of_repeated_stream_headers_decides_the_verb()
    {
        await using var nats = await NatsProtocolClient.ConnectAsync(mesh.Nats.Port);
        var reply = await nats.RequestAsync(
            MeshSubjects.Agent("demo.echo"),
            "NATS/1.0\r\nX-Mesh-Request-Id: rid-verb\r\nX-Mesh-Stream: false\r\nX-Mesh-Stream: true\r\n\r\n",
            """{"message": "a call"}""");

        Assert.Contains("X-Mesh-Status: ok\r\n", reply.Headers); // a stream request would be refused: demo.echo is not streaming
        Assert.Equal("Echo: a call", EchoText(reply));
    }

    [Fact]
    public async Task A_header_block_larger_than_a_socket_read_is_read_whole()
    {
        await using var nats = await NatsProtocolClient.ConnectAsync(mesh.Nats.Port);
        var pad = new string('p', 120_000);
        var reply = await nats.RequestAsync(
            MeshSubjects.Agent("demo.echo"),
            $"NATS/1.0\r\nX-Pad: {pad}\r\nX-Mesh-Request-Id: rid-after-pad\r\n\r\n",
            """{"message": "big"}""");

        Assert.Contains("X-Mesh-Status: ok\r\n", reply.Headers);
        Assert.Contains("X-Mesh-Request-Id: rid-after-pad\r\n", reply.Headers);
    }

    /// <summary>The text demo.echo answered.</summary>
    private static string? EchoText(NatsProtocolClient.Incoming reply) =>
        JsonDocument.Parse(reply.Body).RootElement.GetProperty("reply").GetString();
}
