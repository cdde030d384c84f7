using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>The error envelope (reference <c>test_errors_taxonomy.py</c> round trips) against the capture.</summary>
public sealed class ErrorEnvelopeTests
{
    public static TheoryData<string> Codes()
    {
        var data = new TheoryData<string>();
        foreach (var code in MeshErrorCodes.Known)
        {
            data.Add(code);
        }

        data.Add("quota_exceeded"); // unknown codes are kept as they are
        data.Add("some.future-code");
        return data;
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Envelope_round_trips_per_code(string code)
    {
        var details = JsonDocument.Parse("""{"errors": [{"loc": ["message"], "input": 42}], "n": 1.5}""").RootElement;
        var envelope = new ErrorEnvelope(code, $"message for {code}", "nlp.echo", "2bb41773f9dc49b59bebafd29b593626", details);

        var bytes = envelope.ToJsonBytes();
        var parsed = ErrorEnvelope.Parse(bytes);

        Assert.Equal(["code", "message", "agent", "request_id", "details"], JsonNode.Parse(bytes)!.AsObject().Select(p => p.Key));
        Assert.Equal(code, parsed.Code);
        Assert.Equal(envelope.Message, parsed.Message);
        Assert.Equal("nlp.echo", parsed.Agent);
        Assert.Equal(envelope.RequestId, parsed.RequestId);
        JsonAssert.Same(details.GetRawText(), JsonSerializer.SerializeToUtf8Bytes(parsed.Details));
        JsonAssert.Same(System.Text.Encoding.UTF8.GetString(bytes), parsed.ToJsonBytes());
    }

    [Fact]
    public void Missing_code_reads_as_mesh_error_and_missing_fields_as_empty()
    {
        var parsed = ErrorEnvelope.Parse("""{"message": "no code here"}"""u8);

        Assert.Equal(MeshErrorCodes.MeshError, parsed.Code);
        Assert.Equal("no code here", parsed.Message);
        Assert.Equal("", parsed.Agent);
        Assert.Equal("", parsed.RequestId);
        Assert.Equal(JsonValueKind.Object, parsed.Details.ValueKind);
        Assert.Empty(parsed.Details.EnumerateObject());
        Assert.Equal(MeshErrorCodes.HandlerError, ErrorEnvelope.Parse("{}"u8, MeshErrorCodes.HandlerError).Code);
        Assert.Equal(MeshErrorCodes.MeshError, ErrorEnvelope.Parse("""{"code": ""}"""u8).Code);
    }

    [Fact]
    public void Non_object_body_becomes_a_mesh_error_carrying_the_text()
    {
        var parsed = ErrorEnvelope.Parse("upstream exploded"u8);

        Assert.Equal(MeshErrorCodes.MeshError, parsed.Code);
        Assert.Equal("upstream exploded", parsed.Message);
    }

    [Fact]
    public void Envelope_without_details_writes_an_empty_object()
    {
        var json = JsonNode.Parse(new ErrorEnvelope("handler_error", "boom", "nlp.fail", "rid").ToJsonBytes())!;

        Assert.Equal("{}", json["details"]!.ToJsonString());
        Assert.Equal("{}", JsonNode.Parse(new ErrorEnvelope("x", "m", "a", "r", default).ToJsonBytes())!["details"]!.ToJsonString());
    }

    [Fact]
    public void Every_captured_error_envelope_has_five_keys_and_round_trips()
    {
        var errors = Capture.Messages.Where(m => m.Headers.TryGetValue(MeshHeaders.Status, out var s) && s == MeshHeaders.StatusError).ToArray();
        Assert.True(errors.Length >= 8, $"only {errors.Length} error messages in the capture");

        foreach (var m in errors)
        {
            var envelope = ErrorEnvelope.Parse(m.BodyBytes);
            Assert.Equal(["code", "message", "agent", "request_id", "details"], JsonNode.Parse(m.Body)!.AsObject().Select(p => p.Key));
            JsonAssert.Same(m.Body, envelope.ToJsonBytes());
            Assert.False(m.Headers.ContainsKey(MeshHeaders.Source), $"{m}: X-Mesh-Source only on ok replies");
            Assert.False(m.Headers.ContainsKey(MeshHeaders.StreamSeq), $"{m}: error frames carry no sequence number");
            if (m.Headers.TryGetValue(MeshHeaders.RequestId, out var rid))
            {
                Assert.Equal(rid, envelope.RequestId);
            }
        }

        var codes = errors.Select(m => ErrorEnvelope.Parse(m.BodyBytes).Code).ToHashSet();
        Assert.Equal(new[] { MeshErrorCodes.HandlerError, MeshErrorCodes.InvalidInput, MeshErrorCodes.InvocationMismatch }.Order(), codes.Order());
    }

    [Fact]
    public void Captured_invalid_input_details_are_the_pydantic_error_list()
    {
        var m = Capture.On("mesh.errors.nlp.echo").First();

        var envelope = ErrorEnvelope.Parse(m.BodyBytes);

        Assert.Equal(MeshErrorCodes.InvalidInput, envelope.Code);
        var error = Assert.Single(envelope.Details.GetProperty("errors").EnumerateArray().ToArray());
        Assert.Equal("string_type", error.GetProperty("type").GetString());
        Assert.Equal(42, error.GetProperty("input").GetInt32());
    }
}
