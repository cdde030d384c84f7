using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using OamOrleans.Nats;
using Orleans.Runtime;

namespace OamOrleans.Persistence.Nats;

/// <summary>
/// Maps grain ids to JetStream KV keys and back. KV keys allow only <c>[-/_=.a-zA-Z0-9]</c> and use <c>.</c> as a token
/// separator, so each segment is escaped: bytes of <c>[-/_a-zA-Z0-9]</c> stay as they are, every other byte of the UTF-8
/// form (including <c>=</c> and <c>.</c>) becomes <c>=XX</c> (upper-case hex). An empty segment is a lone <c>=</c>.
/// The escaping is reversible (<see cref="DecodeSegment"/>) and keeps ordinary ids readable: grain
/// <c>agent/chat-42</c> with state <c>conversation</c> in service <c>oam</c> is <c>oam.agent.chat-42.conversation</c>.
/// A key longer than <see cref="MaxKeyLength"/> has its grain-key segment replaced by <c>=H</c> + the SHA-256 of the key
/// bytes (the only non-reversible case; <c>H</c> is not a hex digit so the form cannot collide with an escape).
/// </summary>
internal static class NatsGrainStorageKeys
{
    /// <summary>Longest key we emit: keeps the publish control line far below the server's 4 KiB default.</summary>
    public const int MaxKeyLength = 1024;

    private const string HashMarker = "=H";

    // Every state write builds its key: the service + grain type prefix and the state suffix are encoded once (a few
    // grain types and state names per silo), only the grain's own key segment per call.
    private static readonly ConcurrentDictionary<(string ServiceId, GrainType Type), string> Prefixes = new();
    private static readonly ConcurrentDictionary<string, string> Suffixes = new(StringComparer.Ordinal);

    public static string GetKey(string serviceId, GrainId grainId, string stateName)
    {
        var prefix = Prefixes.GetOrAdd((serviceId, grainId.Type), static k => EncodeSegment(Encoding.UTF8.GetBytes(k.ServiceId)) + "." + EncodeSegment(k.Type.AsSpan()));
        var suffix = Suffixes.GetOrAdd(stateName, static s => "." + EncodeSegment(Encoding.UTF8.GetBytes(s)));
        var key = string.Concat(prefix, ".", EncodeSegment(grainId.Key.AsSpan()), suffix);
        if (key.Length <= MaxKeyLength)
        {
            return key;
        }

        var hashed = prefix + "." + HashMarker + Convert.ToHexString(SHA256.HashData(grainId.Key.AsSpan())) + suffix;
        if (hashed.Length > MaxKeyLength)
        {
            throw new NatsGrainStorageException(
                $"Cannot build a NATS KV key for grain {grainId} state '{stateName}': service id, grain type and state name alone "
                + $"encode to {hashed.Length} characters, more than the {MaxKeyLength} allowed.");
        }

        return hashed;
    }

    public static string EncodeSegment(ReadOnlySpan<byte> bytes) => KvKeySegment.Encode(bytes);

    /// <summary>Reverses <see cref="EncodeSegment"/>; <see langword="null"/> for a hashed or malformed segment.</summary>
    public static byte[]? DecodeSegment(string segment) =>
        segment.StartsWith(HashMarker, StringComparison.Ordinal) ? null : KvKeySegment.Decode(segment);
}
