using System.Text.Json;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Port of the reference TypeScript <c>errors.test.ts</c>: code-to-class map, unknown codes, special details.</summary>
public sealed class ErrorTests
{
    public static TheoryData<string, Type> CodeToClass => new()
    {
        { MeshErrorCodes.InvalidInput, typeof(InvalidInputException) },
        { MeshErrorCodes.HandlerError, typeof(HandlerErrorException) },
        { MeshErrorCodes.InvocationMismatch, typeof(InvocationMismatchException) },
        { MeshErrorCodes.NotFound, typeof(NotFoundException) },
        { MeshErrorCodes.NotAvailable, typeof(NotAvailableException) },
        { MeshErrorCodes.Timeout, typeof(MeshTimeoutException) },
        { MeshErrorCodes.AgentDied, typeof(AgentDiedException) },
        { MeshErrorCodes.ChunkSequenceError, typeof(ChunkSequenceErrorException) },
        { MeshErrorCodes.ConnectionFailed, typeof(ConnectionFailedException) },
        { MeshErrorCodes.ConnectionDenied, typeof(ConnectionDeniedException) },
        { MeshErrorCodes.KvKeyExists, typeof(KvKeyExistsException) },
        { MeshErrorCodes.MeshError, typeof(MeshException) },
        { MeshErrorCodes.Aborted, typeof(MeshException) },
        { "quota_exceeded", typeof(MeshException) },
    };

    [Theory]
    [MemberData(nameof(CodeToClass))]
    public void FromEnvelope_maps_codes_to_classes_and_round_trips(string code, Type expected)
    {
        var details = JsonDocument.Parse("""{"a": [1, "b"]}""").RootElement;
        var envelope = new ErrorEnvelope(code, "msg", "nlp.echo", "0123456789abcdef0123456789abcdef", details);

        var e = MeshException.FromEnvelope(envelope);

        Assert.Equal(expected, e.GetType());
        Assert.Equal(code, e.Code);
        Assert.Equal("msg", e.Message);
        Assert.Equal("nlp.echo", e.Agent);
        Assert.Equal(envelope.RequestId, e.RequestId);
        var back = e.ToEnvelope();
        Assert.Equal((code, "msg", "nlp.echo", envelope.RequestId), (back.Code, back.Message, back.Agent, back.RequestId));
        Assert.Equal(details.GetRawText(), back.Details.GetRawText());
    }

    [Fact]
    public void Every_subclass_is_a_MeshException_with_its_fixed_code()
    {
        var subclasses = typeof(MeshException).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(MeshException))).ToArray();

        // The reference's 11 wire codes; a lost compare-and-swap is a KvKeyExistsException with the client-only kv_conflict.
        Assert.Equal(11, subclasses.Length);
        Assert.DoesNotContain(KvKeyExistsException.ConflictCode, MeshErrorCodes.Known);
        Assert.All(subclasses, t => Assert.True(t.IsPublic && t.IsSealed, t.Name));
    }

    [Fact]
    public void Default_details_are_an_empty_object_and_empty_code_is_mesh_error()
    {
        var e = new MeshException("", "m");

        Assert.Equal(MeshErrorCodes.MeshError, e.Code);
        Assert.Equal(JsonValueKind.Object, e.Details.ValueKind);
        Assert.Empty(e.Details.EnumerateObject());
        Assert.Equal("", e.Agent);
        Assert.Equal("", e.RequestId);
    }

    [Theory]
    [InlineData(30.0, "No message on mesh.agent.x within 30.0s")]
    [InlineData(1.0, "No message on mesh.agent.x within 1.0s")]
    [InlineData(0.3, "No message on mesh.agent.x within 0.3s")]
    [InlineData(0.25, "No message on mesh.agent.x within 0.25s")]
    [InlineData(90.5, "No message on mesh.agent.x within 90.5s")]
    public void Timeout_message_writes_seconds_like_the_reference(double seconds, string expected)
    {
        var e = new MeshTimeoutException("mesh.agent.x", TimeSpan.FromSeconds(seconds));

        Assert.Equal(expected, e.Message);
        Assert.Equal(MeshErrorCodes.Timeout, e.Code);
        Assert.Empty(e.Details.EnumerateObject());
    }

    [Fact]
    public void Chunk_sequence_error_and_kv_key_exists_carry_their_details()
    {
        var seq = new ChunkSequenceErrorException(expectedSeq: 1, gotSeq: 3, agent: "nlp.streamer");
        var exists = KvKeyExistsException.ForKey("plan.2");

        Assert.Equal(1, seq.Details.GetProperty("expected_seq").GetInt32());
        Assert.Equal(3, seq.Details.GetProperty("got_seq").GetInt32());
        Assert.Equal("plan.2", exists.Details.GetProperty("key").GetString());
        Assert.Equal(MeshErrorCodes.KvKeyExists, exists.Code);
    }

    [Fact]
    public void Agent_died_exposes_the_notice()
    {
        var notice = new DeathNotice("victim.crash", DeathNotice.Disconnect, "2026-11-25T12:28:13.954754+00:00", "ec661fc4692a4233ac38e028768b05c0");

        var e = new AgentDiedException("died", "victim.crash", details: notice.ToJsonElement());

        Assert.Equal(notice, e.Notice);
    }
}
