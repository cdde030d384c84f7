using System.Text;

namespace OamOrleans.Runtime.Tests.Fuzz;

/// <summary>
/// Request bodies a hostile or broken client sends: bad and truncated JSON, wrong types, 5,000-deep nesting, bodies up
/// to max_payload, bad UTF-8 and lone surrogate escapes (in any string, the conversation key included). Every body is
/// derived from the random source given, so a seed reproduces it.
/// </summary>
internal static class HostileBodies
{
    private static readonly string[] Surrogates = [@"\ud800", @"\udfff", @"a\ud800b", @"\udc00\ud800", @"\ud83d", @"x\ude00", @"\ud800\u0041"];

    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0xC0, 0xAF], [0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3],
    ];

    private static readonly string[] Values =
    [
        "null", "true", "false", "0", "-0", "1.0", "1.5", "1e400", "-1e400", "123456789012345678901234567890", "2147483648", "\"\"", "\"text\"",
        "[]", "{}", "[1,\"a\",null]", "{\"a\":{\"b\":[]}}", "NaN", "Infinity", "'single'", "0x10", "+1", ".5", "01", "\"\\u0000\"", "\"\\t\\n\"",
    ];

    /// <summary>One hostile variant of <paramref name="valid"/>, and a label saying what was done to it.</summary>
    public static (byte[] Body, string Label) Next(Random rng, string valid, string? keyProperty, int maxBody)
    {
        switch (rng.Next(14))
        {
            case 0:
                return (Utf8(valid[..rng.Next(valid.Length + 1)]), "truncated");
            case 1:
            {
                var at = rng.Next(valid.Length + 1);
                const string junkChars = "{}[]\",:\\ \t\r\nx0-.";
                var junk = junkChars[rng.Next(junkChars.Length)];
                return (Utf8(valid[..at] + junk + valid[at..]), "junk-char");
            }

            case 2:
                return (Utf8(ReplaceValue(rng, valid, Values[rng.Next(Values.Length)])), "wrong-type");
            case 3:
                return (Utf8(Values[rng.Next(Values.Length)]), "bare-value");
            case 4:
                return (Utf8(Deep(rng, 5000)), "deep-5000");
            case 5:
                return (Utf8(ReplaceValue(rng, valid, Deep(rng, rng.Next(40, 200)))), "deep-inner");
            case 6:
                return (BadUtf8Body(rng, valid), "bad-utf8");
            case 7:
            case 8:
            {
                // Lone surrogates, in the conversation key when the agent has one.
                var surrogate = "\"" + Surrogates[rng.Next(Surrogates.Length)] + "\"";
                var body = keyProperty is not null && rng.Next(2) == 0
                    ? SetProperty(valid, keyProperty, surrogate)
                    : ReplaceValue(rng, valid, surrogate);
                return (Utf8(body), "lone-surrogate");
            }

            case 9:
                return (keyProperty is null ? Utf8(ReplaceValue(rng, valid, Values[rng.Next(Values.Length)])) : Utf8(SetProperty(valid, keyProperty, KeyValue(rng))), "odd-key");
            case 10:
                return (Big(rng, maxBody), "big");
            case 11:
                return ([], "empty");
            case 12:
                return (Utf8(valid.Replace("{", "{\"dup\":1,\"dup\":2,", StringComparison.Ordinal)), "duplicate-keys");
            default:
                return (Utf8(new string(Enumerable.Range(0, rng.Next(1, 64)).Select(_ => (char)rng.Next(0x20, 0x7F)).ToArray())), "ascii-noise");
        }
    }

    /// <summary>A value for a conversation key: too long, control characters, empty, non-ASCII, a number.</summary>
    private static string KeyValue(Random rng) => rng.Next(6) switch
    {
        0 => "\"" + new string('k', rng.Next(200, 5000)) + "\"",
        1 => "\"\\u0001\\r\\nX-Mesh-Status: ok\"",
        2 => "\"\"",
        3 => "\"ünïcødé ☃\"",
        4 => rng.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "\"  \"",
    };

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Replaces the first value after a colon (or the whole body when there is none).</summary>
    private static string ReplaceValue(Random rng, string json, string value)
    {
        var colons = Enumerable.Range(0, json.Length).Where(i => json[i] == ':').ToArray();
        if (colons.Length == 0)
        {
            return value;
        }

        var at = colons[rng.Next(colons.Length)] + 1;
        var end = at;
        var depth = 0;
        var inString = false;
        for (; end < json.Length; end++)
        {
            var c = json[end];
            if (inString)
            {
                inString = c != '"' || json[end - 1] == '\\';
                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']' or ',')
            {
                if (depth == 0)
                {
                    break;
                }

                if (c != ',')
                {
                    depth--;
                }
            }
        }

        return json[..at] + value + json[end..];
    }

    private static string SetProperty(string json, string property, string value) =>
        json.StartsWith('{') ? "{\"" + property + "\":" + value + (json.Length > 2 ? "," + json[1..] : "}") : json;

    private static string Deep(Random rng, int depth)
    {
        var sb = new StringBuilder(depth * 7);
        var objects = rng.Next(2) == 0;
        for (var i = 0; i < depth; i++)
        {
            sb.Append(objects ? "{\"a\":" : "[");
        }

        sb.Append('1');
        for (var i = 0; i < depth; i++)
        {
            sb.Append(objects ? '}' : ']');
        }

        return sb.ToString();
    }

    private static byte[] BadUtf8Body(Random rng, string valid)
    {
        var text = Utf8(valid);
        var at = rng.Next(text.Length + 1);
        var quote = Array.IndexOf(text, (byte)'"', Math.Min(at, text.Length));
        at = quote > 0 && rng.Next(2) == 0 ? quote : at; // often inside a string, where a lenient reader would let it through
        return [.. text[..at], .. BadUtf8[rng.Next(BadUtf8.Length)], .. text[at..]];
    }

    private static byte[] Big(Random rng, int maxBody)
    {
        var size = rng.Next(maxBody / 2, maxBody);
        return rng.Next(3) switch
        {
            0 => Utf8("{\"message\":\"" + new string('m', size - 14) + "\"}"),
            1 => Utf8("[" + string.Join(',', Enumerable.Repeat("1", (size - 2) / 2)) + "]"),
            _ => Utf8(new string('{', size)),
        };
    }
}
