using System.Text.Json;

namespace OamOrleans.Telemetry.Tests;

public sealed record RelayIn(string Agent, JsonElement Input);

/// <summary><c>trace.relay</c>: calls the agent named in its input with <c>context.Mesh</c> and returns the answer.</summary>
[Agent("trace.relay", Description = "Calls another agent by name and returns its answer.")]
public sealed class RelayAgent : Agent<RelayIn, JsonElement>
{
    protected override async Task<JsonElement> HandleAsync(RelayIn input, AgentContext context)
    {
        var reply = await context.Mesh.CallJsonAsync(input.Agent, JsonSerializer.SerializeToUtf8Bytes(input.Input));
        return JsonDocument.Parse(reply).RootElement.Clone();
    }
}

/// <summary><c>trace.solo</c>: hosted by one short-lived silo only, so its stop deregisters it.</summary>
[Agent("trace.solo", Description = "An agent only one silo hosts.")]
public sealed class SoloAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) => Task.FromResult(input);
}
