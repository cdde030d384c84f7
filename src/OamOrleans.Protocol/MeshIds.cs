using System.Globalization;

namespace OamOrleans.Protocol;

/// <summary>Identifier and timestamp formats used on the wire.</summary>
public static class MeshIds
{
    /// <summary>uuid4 hex: 32 lowercase hex characters, no dashes.</summary>
    public static string New() => Guid.NewGuid().ToString("N");

    /// <summary>ISO-8601 UTC with microseconds and <c>+00:00</c>, as Python's <c>isoformat()</c> writes it.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    /// <summary>The current UTC time in the wire format of <see cref="Timestamp"/>.</summary>
    public static string Now() => Timestamp(DateTimeOffset.UtcNow);
}
