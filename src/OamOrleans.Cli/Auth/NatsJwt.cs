using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NATS.NKeys;

namespace OamOrleans.Cli.Auth;

/// <summary>
/// NATS JWT v2 (the format of nats-io/jwt): header <c>{"typ":"JWT","alg":"ed25519-nkey"}</c>, base64url claims, and an
/// ed25519 signature by the issuer's nkey over <c>header.claims</c>. The server checks the signature and the issuer chain
/// (operator → account → user); <c>jti</c> is the base32 SHA-256 of the claims, as the Go library computes it.
/// </summary>
internal static class NatsJwt
{
    private const string Header = """{"typ":"JWT","alg":"ed25519-nkey"}""";

    /// <summary>Signs <paramref name="claims"/> (subject, name and <c>nats</c> already set) as <paramref name="issuer"/>.</summary>
    public static string Encode(JsonObject claims, KeyPair issuer, DateTimeOffset? issuedAt = null)
    {
        claims["iat"] = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        claims["iss"] = issuer.GetPublicKey();
        claims["jti"] = "";
        claims["jti"] = Base32Of(SHA256.HashData(Encoding.UTF8.GetBytes(claims.ToJsonString())));
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(Header)) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = new byte[64];
        issuer.Sign(Encoding.ASCII.GetBytes(signingInput), signature);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>The claims of <paramref name="jwt"/>, after checking its signature against its issuer (<c>iss</c>).</summary>
    /// <exception cref="FormatException">Not a NATS JWT, or the signature does not match.</exception>
    public static JsonObject Decode(string jwt)
    {
        var parts = jwt.Trim().Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("not a JWT (expected three dot-separated parts)");
        }

        try
        {
            var header = JsonNode.Parse(FromBase64Url(parts[0])) as JsonObject;
            if (header?["typ"]?.GetValue<string>() != "JWT" || header["alg"]?.GetValue<string>() is not ("ed25519-nkey" or "ed25519"))
            {
                throw new FormatException("not a NATS JWT (header typ/alg)");
            }

            var claims = JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject ?? throw new FormatException("the JWT claims are not a JSON object");
            var issuer = claims["iss"]?.GetValue<string>() ?? throw new FormatException("the JWT has no issuer (iss)");
            using var key = KeyPair.FromPublicKey(issuer);
            if (!key.Verify(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2])))
            {
                throw new FormatException("the JWT signature does not match its issuer");
            }

            return claims;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NKeysException or ArgumentException)
        {
            throw new FormatException($"not a valid NATS JWT: {e.Message}", e);
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private static string Base32Of(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[Base32.GetEncodedLength(bytes)];
        var written = Base32.ToBase32(bytes, chars);
        return new string(chars, 0, written).TrimEnd('=');
    }
}
