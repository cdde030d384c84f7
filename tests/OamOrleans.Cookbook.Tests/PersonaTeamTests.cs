using OamOrleans.Client;
using OamOrleans.Samples.Cookbook.PersonaTeam;
using OamOrleans.Samples.Cookbook.TrackingLlmUsage;

namespace OamOrleans.Cookbook.Tests;

/// <summary>
/// The reference's persona_team demo: <c>team.lead</c> delegates turns to three LLM personas that coordinate on a
/// blackboard in <c>mesh-context</c>, then synthesizes the decision; the model is the scripted one (<see cref="PersonaScript"/>).
/// </summary>
[Collection(CookbookCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PersonaTeamTests(CookbookMesh mesh)
{
    private static readonly TimeSpan Debate = TimeSpan.FromSeconds(60);

    /// <summary>Decisions compare as their JSON: records with lists are not equal by value.</summary>
    private static string Json(Decision decision) => System.Text.Json.JsonSerializer.Serialize(decision, MeshJson.Options);

    private Task<Decision> AskAsync(TeamBrief brief) =>
        mesh.Client.CallAsync<Decision>(LeadAgent.Name, brief, new CallOptions { Timeout = Debate }).AsTask();

    [Fact]
    public async Task Two_rounds_without_agreement_give_every_persona_three_revisions_and_a_decision_on_the_blackboard()
    {
        var brief = new TeamBrief(CookbookMesh.Unique("debate"), "Should agents register eagerly?", Rounds: 2, Seed: 7);

        var decision = await AskAsync(brief);

        Assert.Equal((brief.TaskId, PersonaScript.Recommendation, LeadAgent.Name, false, 2),
            (decision.TaskId, decision.Recommendation, decision.SynthesizedBy, decision.ConvergedEarly, decision.Rounds));
        Assert.Equal(PersonaScript.Alternatives, decision.Alternatives);
        Assert.Equal(LeadAgent.Personas.Order(), decision.Order.Order());
        var positions = await mesh.Client.Kv.ListJsonAsync<Position>(Blackboard.Positions(brief.TaskId));
        Assert.Equal(["dx", "ops", "protocol"], positions.Values.Select(p => p.Persona).Order());
        Assert.All(positions.Values, p => Assert.Equal((3, $"{p.Persona} v3"), (p.Revision, p.Claim)));
        Assert.Equal(Json(decision), Json(await mesh.Client.Kv.GetJsonAsync<Decision>(Blackboard.Decision(brief.TaskId))));
    }

    [Fact]
    public async Task A_round_in_which_no_claim_changes_ends_the_debate_early()
    {
        var brief = new TeamBrief(CookbookMesh.Unique("debate"), $"Should agents register eagerly? {PersonaScript.Converge}", Rounds: 3);

        var decision = await AskAsync(brief);

        Assert.Equal((true, 1), (decision.ConvergedEarly, decision.Rounds));
        var positions = await mesh.Client.Kv.ListJsonAsync<Position>(Blackboard.Positions(brief.TaskId));
        Assert.All(positions.Values, p => Assert.Equal(2, p.Revision));   // the position, then one revision that changed nothing
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_speaking_order_and_a_decided_task_is_answered_from_the_lead_state()
    {
        var first = await AskAsync(new TeamBrief(CookbookMesh.Unique("debate"), "Which wire format?", Rounds: 1, Seed: 42));
        var second = await AskAsync(new TeamBrief(CookbookMesh.Unique("debate"), "Which wire format?", Rounds: 1, Seed: 42));
        Assert.Equal(first.Order, second.Order);

        // Asking the lead again about a decided task returns its decision, without a new debate: the positions stay.
        var again = await AskAsync(new TeamBrief(first.TaskId, "Which wire format?", Rounds: 1, Seed: 42));
        Assert.Equal(Json(first), Json(again));
        var positions = await mesh.Client.Kv.ListJsonAsync<Position>(Blackboard.Positions(first.TaskId));
        Assert.All(positions.Values, p => Assert.Equal(2, p.Revision));
    }

    [Fact]
    public async Task The_lead_reports_its_model_usage_on_its_reply()
    {
        var brief = new TeamBrief(CookbookMesh.Unique("debate"), "Should agents register eagerly?", Rounds: 1);
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(brief, MeshJson.Options);

        var reply = await mesh.Client.CallRawAsync(LeadAgent.Name, body, new CallOptions { Timeout = Debate });

        var usage = reply.Usage;
        Assert.NotNull(usage);
        Assert.Equal((100, 10, ScriptedChatClient.Model), (usage.InputTokens, usage.OutputTokens, usage.Model));   // the scribe's one round
    }

    [Fact]
    public async Task A_usage_monitor_totals_the_tokens_of_every_team_member_from_the_log_tail()
    {
        await using var monitor = await UsageMonitor.StartAsync(mesh.Client);
        var brief = new TeamBrief(CookbookMesh.Unique("debate"), "Should agents register eagerly?", Rounds: 1);

        await AskAsync(brief);

        // Each persona: a position and one revision; the lead: the scribe's round. 100 in, 10 out per model call.
        var expected = new Dictionary<string, AgentUsage>
        {
            [DeveloperExperiencePersona.Name] = new(200, 20, 2),
            [ProtocolPersona.Name] = new(200, 20, 2),
            [OperationsPersona.Name] = new(200, 20, 2),
            [LeadAgent.Name] = new(100, 10, 1),
        };
        await Poll.UntilAsync(
            () => expected.All(p => monitor.ByAgent.GetValueOrDefault(p.Key) == p.Value),
            "the monitor totals every team member's usage");
        Assert.Equal(expected.Keys.Order(), monitor.ByAgent.Keys.Where(k => k.StartsWith("team.", StringComparison.Ordinal)).Order());
    }
}
