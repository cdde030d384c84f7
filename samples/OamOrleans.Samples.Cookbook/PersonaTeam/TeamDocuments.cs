using System.Text.Json.Serialization;

namespace OamOrleans.Samples.Cookbook.PersonaTeam;

/// <param name="TaskId">The debate, and the lead's conversation: one lead activation per task.</param>
/// <param name="Rounds">Revision rounds at most; a round in which no persona changes its claim ends the debate early.</param>
/// <param name="Seed">Seeds the shuffle of the speaking order: the same seed gives the same order.</param>
public sealed record TeamBrief(
    [property: ConversationKey, JsonPropertyName("task_id")] string TaskId,
    string Question,
    string Context = "",
    int Rounds = 2,
    int Seed = 0);

public enum TurnPhase
{
    Position,
    Revise,
}

public sealed record TurnRequest([property: JsonPropertyName("task_id")] string TaskId, int Round = 0, TurnPhase Phase = TurnPhase.Position);

public sealed record TurnResult(string Persona, int Round, bool Changed);

/// <summary>A persona's entry on the blackboard; <see cref="Revision"/> counts its turns.</summary>
public sealed record Position(string Persona, string Claim, string Rationale = "", int Revision = 0);

public sealed record Decision(
    [property: JsonPropertyName("task_id")] string TaskId,
    string Recommendation,
    IReadOnlyList<string> Alternatives,
    IReadOnlyList<string> Risks,
    string Rationale,
    [property: JsonPropertyName("synthesized_by")] string SynthesizedBy,
    [property: JsonPropertyName("converged_early")] bool ConvergedEarly,
    IReadOnlyList<string> Order,
    int Rounds);

/// <summary>The blackboard's keys in <c>mesh-context</c>, all under <c>debate.{task}.</c>.</summary>
public static class Blackboard
{
    public static string Task(string taskId) => $"debate.{taskId}.task";

    public static string Positions(string taskId) => $"debate.{taskId}.position.*";

    public static string Position(string taskId, string persona) => $"debate.{taskId}.position.{persona}";

    public static string Decision(string taskId) => $"debate.{taskId}.decision";
}
