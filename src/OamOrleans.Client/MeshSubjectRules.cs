using System.Text.RegularExpressions;

namespace OamOrleans.Client;

/// <summary>Checks of caller-given NATS subjects: concrete ones (publish, reply-to) and patterns (subscribe).</summary>
internal static partial class MeshSubjectRules
{
    /// <exception cref="ArgumentException">Empty, a wildcard where none is allowed, or an invalid token.</exception>
    public static void Validate(string subject, string paramName, bool allowWildcards)
    {
        if (string.IsNullOrEmpty(subject))
        {
            throw new ArgumentException("The subject must not be empty.", paramName);
        }

        if (!allowWildcards && (subject.Contains('*') || subject.Contains('>')))
        {
            throw new ArgumentException($"Subject '{subject}' contains a wildcard ('*' or '>'); publish needs a concrete subject.", paramName);
        }

        if (allowWildcards)
        {
            // NATS subject tokens: non-empty, no whitespace; '*' and '>' only as whole tokens ('>' last).
            var tokens = subject.Split('.');
            for (var i = 0; i < tokens.Length; i++)
            {
                var token = tokens[i];
                var ok = token.Length > 0 && !token.Any(char.IsWhiteSpace)
                    && (token is "*" || (token is ">" && i == tokens.Length - 1) || (!token.Contains('*') && !token.Contains('>')));
                if (!ok)
                {
                    throw new ArgumentException($"Invalid subject '{subject}'.", paramName);
                }
            }
        }
        else if (!ConcreteSubject().IsMatch(subject))
        {
            throw new ArgumentException($"Invalid subject '{subject}': dot-separated segments of [a-zA-Z0-9_-].", paramName);
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*$")]
    private static partial Regex ConcreteSubject();
}
