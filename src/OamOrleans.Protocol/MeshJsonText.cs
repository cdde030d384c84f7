using System.Text.Encodings.Web;
using System.Text.Json;

namespace OamOrleans.Protocol;

/// <summary>
/// How mesh JSON is written: characters such as <c>'</c> and <c>+</c> go out as they are, as Python's json writes them.
/// The default encoder's <c>\u0027</c> and <c>\u002B</c> are valid JSON but make timestamps and messages unreadable
/// in raw tools (<c>nats req</c>, <c>nats kv get</c>). Bodies are never embedded in HTML, so the relaxed encoder is safe.
/// </summary>
public static class MeshJsonText
{
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
