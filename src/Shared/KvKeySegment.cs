using System.Text;

namespace OamOrleans.Nats;

/// <summary>
/// One segment of a JetStream KV key, escaped: KV keys allow only <c>[-/_=.a-zA-Z0-9]</c> and use <c>.</c> as a token
/// separator, so bytes of <c>[-/_a-zA-Z0-9]</c> stay as they are and every other byte of the UTF-8 form (including
/// <c>=</c> and <c>.</c>) becomes <c>=XX</c> (upper-case hex); an empty segment is a lone <c>=</c>. Linked into the NATS
/// grain storage, which writes such keys, and the admin UI, which reads them back.
/// </summary>
internal static class KvKeySegment
{
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "=";
        }

        if (AllLiteral(bytes))
        {
            return Encoding.ASCII.GetString(bytes); // the usual id: nothing to escape, no builder
        }

        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (IsLiteral(b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('=').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }

        return builder.ToString();
    }

    private static bool AllLiteral(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (!IsLiteral(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reverses <see cref="Encode"/>; <see langword="null"/> for a segment it cannot have made.</summary>
    public static byte[]? Decode(string segment)
    {
        if (segment == "=")
        {
            return [];
        }

        if (segment.Length == 0)
        {
            return null;
        }

        var bytes = new List<byte>(segment.Length);
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '=')
            {
                if (i + 2 >= segment.Length)
                {
                    return null;
                }

                var hi = HexValue(segment[i + 1]);
                var lo = HexValue(segment[i + 2]);
                if (hi < 0 || lo < 0)
                {
                    return null;
                }

                bytes.Add((byte)((hi << 4) | lo));
                i += 2;
            }
            else if (c < 128 && IsLiteral((byte)c))
            {
                bytes.Add((byte)c);
            }
            else
            {
                return null;
            }
        }

        return [.. bytes];
    }

    private static bool IsLiteral(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'-' or (byte)'_' or (byte)'/';

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
