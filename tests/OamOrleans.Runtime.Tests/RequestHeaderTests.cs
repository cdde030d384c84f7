using System.Net.Sockets;
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
public sealed class RequestHeaderTests(MeshFixture mesh)
{
    [Fact]
    public async Task Header_names_match_in_any_case_values_are_trimmed_and_the_first_of_a_repeated_header_wins()
    {
        await using var nats = await ProtocolClient.ConnectAsync(mesh.Nats.Port);
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
        await using var nats = await ProtocolClient.ConnectAsync(mesh.Nats.Port);
        var reply = await nats.RequestAsync(
            MeshSubjects.Agent("demo.echo"),
            "NATS/1.0\r\nthis line has no colon\r\n: no name\r\nX-Mesh-Request-Id: rid-after-junk\r\n\r\n",
            """{"message": "still here"}""");

        Assert.Contains("X-Mesh-Status: ok\r\n", reply.Headers);
        Assert.Contains("X-Mesh-Request-Id: rid-after-junk\r\n", reply.Headers);
        Assert.Equal("Echo: still here", JsonDocument.Parse(reply.Body).RootElement.GetProperty("reply").GetString());

        // The subscription is still there for everyone else.
        var next = await RawNats.RequestAsync(mesh.Raw, "demo.echo", """{"message": "next"}""");
        Assert.Equal("ok", RawNats.Header(next, MeshHeaders.Status));
    }

    [Fact]
    public async Task A_request_without_headers_is_answered_with_an_empty_request_id()
    {
        await using var nats = await ProtocolClient.ConnectAsync(mesh.Nats.Port);
        var reply = await nats.RequestAsync(MeshSubjects.Agent("demo.echo"), headers: null, """{"message": "plain"}""");

        Assert.Contains("X-Mesh-Status: ok\r\n", reply.Headers);
        Assert.Equal("Echo: plain", JsonDocument.Parse(reply.Body).RootElement.GetProperty("reply").GetString());
    }

    /// <summary>Just enough of the NATS client protocol to send HPUB/PUB with hand-written headers and read the reply.</summary>
    private sealed class ProtocolClient : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly StreamReader _reader;
        private int _inbox;

        private ProtocolClient(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _reader = new StreamReader(_stream, Encoding.Latin1);
        }

        public static async Task<ProtocolClient> ConnectAsync(int port)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            var client = new ProtocolClient(tcp);
            var info = await client._reader.ReadLineAsync();
            Assert.StartsWith("INFO ", info);
            await client.WriteAsync("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\n");
            return client;
        }

        public async Task<(string Headers, byte[] Body)> RequestAsync(string subject, string? headers, string body)
        {
            var inbox = $"_INBOX.raw.{Interlocked.Increment(ref _inbox)}";
            var payload = Encoding.UTF8.GetBytes(body);
            await WriteAsync($"SUB {inbox} 1\r\n");
            var command = headers is null
                ? $"PUB {subject} {inbox} {payload.Length}\r\n"
                : $"HPUB {subject} {inbox} {Encoding.Latin1.GetByteCount(headers)} {Encoding.Latin1.GetByteCount(headers) + payload.Length}\r\n{headers}";
            await WriteAsync(command);
            await _stream.WriteAsync(payload);
            await WriteAsync("\r\n");

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new IOException("nats-server closed the connection");
                if (line == "PING")
                {
                    await WriteAsync("PONG\r\n");
                    continue;
                }

                // HMSG <subject> <sid> <header bytes> <total bytes>
                var parts = line.Split(' ');
                Assert.Equal("HMSG", parts[0]);
                var total = new char[int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture) + 2];
                await _reader.ReadBlockAsync(total, timeout.Token);
                var headerLength = int.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture);
                return (new string(total, 0, headerLength), Encoding.Latin1.GetBytes(total, headerLength, total.Length - headerLength - 2));
            }
        }

        private async Task WriteAsync(string text) => await _stream.WriteAsync(Encoding.Latin1.GetBytes(text));

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _tcp.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
