using System.Text;
using Microsoft.Extensions.AI;
using OamOrleans.Client;

namespace OamOrleans.Samples.Cookbook.PersonaTeam;

/// <summary>
/// A persona of the team: reads the task and every position from the blackboard, asks its model from its own lens,
/// and writes its position back (one key per persona: no contention). The model's token usage leaves on the reply.
/// </summary>
public abstract class PersonaAgent(MeshClient mesh, IChatClient model) : Agent<TurnRequest, TurnResult>
{
    /// <summary>The persona's short name: its blackboard key.</summary>
    protected abstract string Persona { get; }

    /// <summary>What this persona cares about.</summary>
    protected abstract string Lens { get; }

    protected override async Task<TurnResult> HandleAsync(TurnRequest input, AgentContext context)
    {
        var brief = await mesh.Kv.GetJsonAsync<TeamBrief>(Blackboard.Task(input.TaskId));
        var positions = await mesh.Kv.ListJsonAsync<Position>(Blackboard.Positions(input.TaskId));
        var own = positions.Values.FirstOrDefault(p => p.Persona == Persona);

        var prompt = new StringBuilder($"Question: {brief.Question}\n");
        if (brief.Context.Length > 0)
        {
            prompt.Append($"Context: {brief.Context}\n");
        }

        if (input.Phase == TurnPhase.Revise)
        {
            prompt.Append($"Your position: {own?.Claim}\n");
            foreach (var peer in positions.Values.Where(p => p.Persona != Persona).OrderBy(p => p.Persona, StringComparer.Ordinal))
            {
                prompt.Append($"{peer.Persona} says: {peer.Claim}\n");
            }

            prompt.Append("Revise your position if your peers convinced you, else keep it.\n");
        }

        prompt.Append("Answer with your claim on the first line, then your rationale.");
        var response = await model.GetResponseAsync(
            [new ChatMessage(ChatRole.System, $"You are persona '{Persona}' on a design review team. {Lens}"), new ChatMessage(ChatRole.User, prompt.ToString())]);
        var lines = response.Text.Trim().Split('\n', 2);
        var claim = lines[0].Trim();
        await mesh.Kv.PutJsonAsync(
            Blackboard.Position(input.TaskId, Persona),
            new Position(Persona, claim, lines.Length > 1 ? lines[1].Trim() : "", (own?.Revision ?? 0) + 1));
        return new TurnResult(Persona, input.Round, own is null || own.Claim != claim);
    }
}

[Agent(Name, Description = "Persona: developer experience.", Tags = ["cookbook", "team"])]
public sealed class DeveloperExperiencePersona(MeshClient mesh, IChatClient model) : PersonaAgent(mesh, model)
{
    public const string Name = "team.persona.dx";

    protected override string Persona => "dx";

    protected override string Lens => "You judge every design by how easy it is to learn, use and debug for developers.";
}

[Agent(Name, Description = "Persona: protocol simplicity and compatibility.", Tags = ["cookbook", "team"])]
public sealed class ProtocolPersona(MeshClient mesh, IChatClient model) : PersonaAgent(mesh, model)
{
    public const string Name = "team.persona.protocol";

    protected override string Persona => "protocol";

    protected override string Lens => "You judge every design by protocol simplicity and compatibility with existing clients.";
}

[Agent(Name, Description = "Persona: operations and failure modes.", Tags = ["cookbook", "team"])]
public sealed class OperationsPersona(MeshClient mesh, IChatClient model) : PersonaAgent(mesh, model)
{
    public const string Name = "team.persona.ops";

    protected override string Persona => "ops";

    protected override string Lens => "You judge every design by how it runs in production: failure modes, recovery, observability.";
}
