using System.Text.RegularExpressions;

namespace OamOrleans.Nats;

/// <summary>
/// URLs for logs and errors with their credentials (<c>user:password@</c>, <c>token@</c>) replaced by <c>***@</c>. One
/// source file linked into the NATS providers, which log their URL and depend on Orleans and NATS.Net only.
/// </summary>
internal static partial class NatsUrlRedaction
{
    public static string Redact(string text) => Credentials().Replace(text, "$1***@");

    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s,]+@")]
    private static partial Regex Credentials();
}
