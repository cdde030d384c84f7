using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace OamOrleans.Cookbook.Tests;

/// <summary>
/// What the scripted model answers the persona team, from the prompt alone (deterministic, no state): a persona's claim
/// is <c>{persona} v{n}</c>, one more than its own previous claim, so every revision changes it; a question containing
/// <see cref="Converge"/> keeps every claim at <c>v1</c>, so the first revision round changes nothing. The scribe gets
/// the decision as JSON.
/// </summary>
internal static partial class PersonaScript
{
    public const string Converge = "[converge]";

    public const string Recommendation = "Register agents eagerly at start-up";

    public static readonly string[] Alternatives = ["register lazily on first call"];

    private static readonly string[] Risks = ["a slower start"];

    public static string Answer(IReadOnlyList<ChatMessage> conversation)
    {
        var system = conversation.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? "";
        var prompt = conversation.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        if (system.Contains("scribe", StringComparison.Ordinal))
        {
            return JsonSerializer.Serialize(new
            {
                recommendation = Recommendation,
                alternatives = Alternatives,
                risks = Risks,
                rationale = prompt.Split('\n').Count(l => l.Contains(" v", StringComparison.Ordinal)) + " positions considered",
            });
        }

        var persona = PersonaName().Match(system).Groups[1].Value;
        var previous = OwnClaim().Match(prompt) is { Success: true } own ? int.Parse(own.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var version = prompt.Contains(Converge, StringComparison.Ordinal) ? 1 : previous + 1;
        return $"{persona} v{version}\nbecause the {persona} lens says so";
    }

    [GeneratedRegex("persona '([a-z]+)'")]
    private static partial Regex PersonaName();

    [GeneratedRegex(@"^Your position: [a-z]+ v(\d+)$", RegexOptions.Multiline)]
    private static partial Regex OwnClaim();
}
