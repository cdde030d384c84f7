using System.Buffers;
using System.Text;
using OamOrleans.Bridge;

namespace OamOrleans.Runtime.Tests.Units;

/// <summary>The hand-written header reader of agent requests (<see cref="MeshRequest.Read"/>), without a server.</summary>
public sealed class MeshRequestParserTests
{
    private static MeshRequest Read(string? headers, string body = "{}", string? replyTo = "_INBOX.1") =>
        MeshRequest.Read(replyTo, headers is null ? null : new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(headers)), new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body)), Encoding.UTF8);

    [Fact]
    public void Reads_the_three_mesh_headers_and_copies_the_body()
    {
        var request = Read("NATS/1.0\r\nX-Mesh-Request-Id: r1\r\nX-Mesh-Conversation-Id: c1\r\nX-Mesh-Stream: true\r\n\r\n", """{"a":1}""");

        Assert.Equal(("_INBOX.1", "r1", "c1", true), (request.ReplyTo, request.RequestId, request.Conversation, request.Stream));
        Assert.Equal("""{"a":1}""", Encoding.UTF8.GetString(request.Body));
    }

    [Fact]
    public void Names_are_compared_ignoring_case_and_values_are_trimmed()
    {
        var request = Read("NATS/1.0\r\nx-mesh-request-id:   r2 \t\r\nX-MESH-STREAM:true\r\n\r\n");

        Assert.Equal("r2", request.RequestId);
        Assert.True(request.Stream);
    }

    [Fact]
    public void The_first_of_repeated_headers_wins()
    {
        var request = Read("NATS/1.0\r\nX-Mesh-Request-Id: first\r\nX-Mesh-Request-Id: second\r\nX-Mesh-Stream: false\r\nX-Mesh-Stream: true\r\n\r\n");

        Assert.Equal("first", request.RequestId);
        Assert.False(request.Stream);
    }

    [Theory]
    [InlineData("NATS/1.0\r\nno colon here\r\n: empty name\r\nX-Mesh-Request-Id: r3\r\n\r\n")]
    [InlineData("NATS/1.0\r\n\u0001\u0002junk\r\nX-Mesh-Request-Id: r3")]
    public void Malformed_lines_are_skipped_not_thrown(string headers)
    {
        Assert.Equal("r3", Read(headers).RequestId);
    }

    [Fact]
    public void A_header_block_split_across_segments_reads_like_one()
    {
        var text = "NATS/1.0\r\nX-Mesh-Request-Id: split-id\r\nX-Mesh-Conversation-Id: conv\r\n\r\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        var first = new Segment(bytes.AsMemory(0, 17));
        var last = first.Append(bytes.AsMemory(17));
        var request = MeshRequest.Read(null, new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), ReadOnlySequence<byte>.Empty, Encoding.UTF8);

        Assert.Equal(("split-id", "conv"), (request.RequestId, request.Conversation));
        Assert.Empty(request.Body);
    }

    [Fact]
    public void No_headers_means_no_request_id_no_conversation_and_no_stream()
    {
        var request = Read(null, "", replyTo: null);

        Assert.Equal((null, null, null, false), (request.ReplyTo, request.RequestId, request.Conversation, request.Stream));
        Assert.Empty(request.Body);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
