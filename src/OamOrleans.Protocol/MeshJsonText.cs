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
    /// <summary>The relaxed encoder mesh JSON is written with (for <see cref="JsonSerializerOptions.Encoder"/>).</summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Writer options with <see cref="Encoder"/>, for hand-written JSON such as envelopes and contracts.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <paramref name="text"/> with every lone UTF-16 surrogate replaced by U+FFFD: JSON writers refuse them, and text
    /// from a hostile request (an exception message quoting its input) must still make a valid envelope or log event.
    /// </summary>
    public static string Scrub(string text)
    {
        if (!HasLoneSurrogate(text))
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
