using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OamOrleans.WebAuth;

/// <summary>
/// The login page's session cookie: <c>{expiry unix seconds}.{HMAC-SHA256 of the expiry, keyed by the token}</c>. It never
/// holds the token, every silo that shares the token accepts it (no server-side state), and a new token ends every session.
/// </summary>
internal static class HttpTokenSession
{
    public const string CookieName = "oam_session";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public static string Issue(string token, DateTimeOffset now)
    {
        var expires = now.Add(Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return expires + "." + Sign(token, expires);
    }

    public static bool IsValid(string cookie, string token, DateTimeOffset now)
    {
        var dot = cookie.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(cookie.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires < now.ToUnixTimeSeconds())
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie[(dot + 1)..]), Encoding.ASCII.GetBytes(Sign(token, cookie[..dot])));
    }

    private static string Sign(string token, string expires)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes("oam-session:" + token));
        return Convert.ToHexString(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(expires)));
    }
}
