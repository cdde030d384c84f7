using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace OamOrleans;

/// <summary>
/// How the turn log stores a request id: a protocol id (32 lowercase hex digits) as <c>~</c> + its 16 bytes in base64url,
/// an id starting with <c>~</c> with one more <c>~</c>, any other id as it is. Injective, so a stored id matches only its own.
/// </summary>
internal static class StoredIds
{
    private const byte Mark = (byte)'~';

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>The stored length of a protocol id: <c>~</c> and 22 base64url characters, none of which JSON escapes.</summary>
    public const int ProtocolIdLength = 23;

    public static byte[] Encode(string requestId)
    {
        var stored = new byte[ProtocolIdLength];
        if (TryEncodeProtocolId(requestId, stored))
        {
            return stored;
        }

        var utf8 = Encoding.UTF8.GetBytes(requestId);
        return utf8.Length > 0 && utf8[0] == Mark ? [Mark, .. utf8] : utf8;
    }

    /// <summary>Writes a protocol id's stored form (<see cref="ProtocolIdLength"/> bytes) to <paramref name="destination"/>; false for any other id.</summary>
    public static bool TryEncodeProtocolId(string requestId, Span<byte> destination)
    {
        Span<byte> raw = stackalloc byte[16];
        if (requestId.Length != 32 || !IsLowerHex(requestId) || Convert.FromHexString(requestId, raw, out _, out _) != OperationStatus.Done)
        {
            return false;
        }

        destination[0] = Mark;
        Base64Url.EncodeToUtf8(raw, destination[1..]);
        return true;
    }

    public static string Decode(string stored)
    {
        if (stored.Length == 0 || stored[0] != '~')
        {
            return stored;
        }

        if (stored.Length > 1 && stored[1] == '~')
        {
            return stored[1..];
        }

        var encoded = stored.AsSpan(1);
        Span<byte> raw = stackalloc byte[16];
        return encoded.Length == 22 && Base64Url.IsValid(encoded, out var length) && length == 16
            && Base64Url.DecodeFromChars(encoded, raw) == 16
            ? Convert.ToHexStringLower(raw)
            : throw new JsonException($"'{stored}' in the turn log of a stored conversation is not a request id this build wrote.");
    }

    private static bool IsLowerHex(string s) => !s.AsSpan().ContainsAnyExcept(LowerHex);
}
