namespace OamOrleans.Protocol;

/// <summary>
/// The agent-name rule: one or more segments of <c>[a-zA-Z0-9_-]+</c> joined by single dots
/// (no leading, trailing or doubled dot). The same rule applies to raw publish subjects.
/// </summary>
public static class AgentName
{
    /// <summary>True when <paramref name="name"/> follows the agent-name rule; null and empty are invalid.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        var segmentLength = 0;
        foreach (var c in name)
        {
            if (c == '.')
            {
                if (segmentLength == 0)
                {
                    return false;
                }

                segmentLength = 0;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-')
            {
                segmentLength++;
            }
            else
            {
                return false;
            }
        }

        return segmentLength > 0;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem when <paramref name="name"/> breaks the rule.</summary>
    public static string Validate(string? name, string paramName = "name")
    {
        if (!IsValid(name))
        {
            throw new ArgumentException(
                $"Invalid agent name '{name}': use dot-separated segments of letters, digits, '_' or '-' (e.g. 'nlp.summarizer').",
                paramName);
        }

        return name!;
    }

    /// <summary>The channel of a dotted name: its leading segments (<c>nlp</c> for <c>nlp.echo</c>), or empty for a root name.</summary>
    public static string ChannelOf(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot < 0 ? string.Empty : name[..dot];
    }

    /// <summary>True when <paramref name="name"/> is <paramref name="channel"/> or lies under it.</summary>
    public static bool IsInChannel(string name, string channel) =>
        name == channel || name.StartsWith(channel + ".", StringComparison.Ordinal);
}
