using System.Text.Json;
using Microsoft.Extensions.AI;
using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.PersonaTeam;

/// <summary>The lead's state for one task: where the debate stands, instead of a <c>round</c> key on the blackboard.</summary>
public sealed class DebateState
{
    public IReadOnlyList<string> Order { get; set; } = [];

    public int Round { get; set; }

    public int TurnsTaken { get; set; }

    public Decision? Decision { get; set; }
}

/// <summary>
/// <c>team.lead</c>: opens the debate on the blackboard, delegates turns to the personas (grain-to-grain calls inside
/// the cluster, over NATS for personas hosted elsewhere) until a round changes nothing or the rounds run out, then
/// synthesizes the decision with its model and posts it. Conversational: one activation per task, whose state tracks the
/// debate, and asking again for a decided task returns the decision without a new debate.
/// </summary>
[Agent(Name, Description = "Leads the persona team: delegates turns to the personas and synthesizes the decision.", Tags = ["cookbook", "team"])]
public sealed class LeadAgent(MeshClient mesh, IChatClient model) : ConversationalAgent<TeamBrief, Decision, DebateState>
{
    public const string Name = "team.lead";

    public static readonly IReadOnlyList<string> Personas = [DeveloperExperiencePersona.Name, ProtocolPersona.Name, OperationsPersona.Name];

    private const string ScribeInstructions =
        "You are the scribe of a design review team. Merge the positions into one decision. Answer with one JSON object: " +
        "{\"recommendation\": string, \"alternatives\": [string], \"risks\": [string], \"rationale\": string}.";

    #region LeadDelegates
    protected override async Task<Decision> HandleAsync(TeamBrief input, AgentContext context)
    {
        if (State.Decision is { } decided)
        {
            return decided;
        }

        await OpenAsync(input);
        var order = Personas.ToArray();
        new Random(input.Seed).Shuffle(order);   // the same seed, the same order
        State.Order = order;
        await TurnAsync(input.TaskId, 0, TurnPhase.Position, context);
        var converged = false;
        for (var round = 1; round <= input.Rounds && !converged; round++)
        {
            State.Round = round;
            converged = !await TurnAsync(input.TaskId, round, TurnPhase.Revise, context);
        }

        var decision = await SynthesizeAsync(input, converged);
        await mesh.Kv.PutJsonAsync(Blackboard.Decision(input.TaskId), decision);
        State.Decision = decision;
        return decision;
    }
    #endregion

    /// <summary>Clears what an earlier debate on this task left and posts the brief.</summary>
    private async Task OpenAsync(TeamBrief brief)
    {
        foreach (var old in await mesh.Kv.ListAsync(Blackboard.Positions(brief.TaskId)))
        {
            await mesh.Kv.DeleteAsync(old.Key);
        }

        await mesh.Kv.DeleteAsync(Blackboard.Decision(brief.TaskId));
        await mesh.Kv.PutJsonAsync(Blackboard.Task(brief.TaskId), brief);
    }

    #region LeadTurn
    /// <summary>One turn per persona, in order; true when any claim changed.</summary>
    private async Task<bool> TurnAsync(string taskId, int round, TurnPhase phase, AgentContext context)
    {
        var changed = false;
        foreach (var persona in State.Order)
        {
            var result = await context.Mesh.CallAsync<TurnResult>(persona, new TurnRequest(taskId, round, phase));
            State.TurnsTaken++;
            changed |= result.Changed;
        }

        return changed;
    }
    #endregion

    private async Task<Decision> SynthesizeAsync(TeamBrief brief, bool converged)
    {
        var positions = await mesh.Kv.ListJsonAsync<Position>(Blackboard.Positions(brief.TaskId));
        var board = string.Join('\n', positions.Values.OrderBy(p => p.Persona, StringComparer.Ordinal).Select(p => $"{p.Persona}: {p.Claim} ({p.Rationale})"));
        var response = await model.GetResponseAsync(
            [new ChatMessage(ChatRole.System, ScribeInstructions), new ChatMessage(ChatRole.User, $"Question: {brief.Question}\nPositions:\n{board}")]);
        var draft = Parse(response.Text);
        return new Decision(brief.TaskId, draft.Recommendation, draft.Alternatives, draft.Risks, draft.Rationale, Name, converged, State.Order, State.Round);
    }

    /// <summary>The model's JSON decision; text that is not one becomes the recommendation, as in the reference.</summary>
    private static Draft Parse(string text)
    {
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        if (start >= 0 && end > start)
        {
            try
            {
                if (JsonSerializer.Deserialize<Draft>(text[start..(end + 1)], MeshJson.Options) is { Recommendation.Length: > 0 } draft)
                {
                    return draft with { Alternatives = draft.Alternatives ?? [], Risks = draft.Risks ?? [], Rationale = draft.Rationale ?? "" };
                }
            }
            catch (JsonException)
            {
                // not JSON after all: the text is the recommendation
            }
        }

        return new Draft(text.Trim(), [], [], "");
    }

    private sealed record Draft(string Recommendation, IReadOnlyList<string> Alternatives, IReadOnlyList<string> Risks, string Rationale);
}
