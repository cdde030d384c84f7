using System.Text;
using System.Text.Json;

namespace OamOrleans.Protocol;

/// <summary>
/// The error envelope <c>{"code","message","agent","request_id","details"}</c> (protocol §3.3).
/// All five keys are always written; unknown codes are kept as they are.
/// </summary>
public sealed record ErrorEnvelope(string Code, string Message, string Agent, string RequestId, JsonElement Details)
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>An envelope with empty <c>details</c> (<c>{}</c>).</summary>
    public ErrorEnvelope(string code, string message, string agent, string requestId)
        : this(code, message, agent, requestId, EmptyObject)
    {
    }

    /// <summary>The empty object <c>{}</c>: <c>details</c> when an error has nothing more to say.</summary>
    public static JsonElement NoDetails => EmptyObject;

    /// <summary>The envelope as UTF-8 JSON with all five keys, ready to publish with <c>X-Mesh-Status: error</c>.</summary>
    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("code", MeshJsonText.Scrub(Code));
        w.WriteString("message", MeshJsonText.Scrub(Message));
        w.WriteString("agent", MeshJsonText.Scrub(Agent));
        w.WriteString("request_id", MeshJsonText.Scrub(RequestId));
        w.WritePropertyName("details");
        (Details.ValueKind == JsonValueKind.Undefined ? EmptyObject : Details).WriteTo(w);
        w.WriteEndObject();
    });

    /// <summary>
    /// Reads an envelope leniently: a missing code becomes <c>mesh_error</c>, missing strings become empty,
    /// a body that is not a JSON object becomes a <c>mesh_error</c> carrying the text.
    /// </summary>
    public static ErrorEnvelope Parse(ReadOnlySpan<byte> utf8, string fallbackCode = MeshErrorCodes.MeshError)
    {
        var obj = JsonRead.ParseObject(utf8);
        if (obj is null)
        {
            return new ErrorEnvelope(fallbackCode, Encoding.UTF8.GetString(utf8), "", "");
        }

        var details = obj["details"] is { } d && d.GetValueKind() == JsonValueKind.Object
            ? JsonSerializer.SerializeToElement(d)
            : EmptyObject;
        var code = JsonRead.String(obj, "code");
        return new ErrorEnvelope(
            code.Length == 0 ? fallbackCode : code,
            JsonRead.String(obj, "message"),
            JsonRead.String(obj, "agent"),
            JsonRead.String(obj, "request_id"),
            details);
    }
}
