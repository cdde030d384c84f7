using System.Text.Json;
using System.Text.Json.Serialization;
using OamOrleans.Client;

namespace OamOrleans.Runtime.Tests;

public enum Mood
{
    Calm,
    Excited,
}

public sealed record Address(string City, string? Zip = null);

public sealed record TypedIn(string Name, int Count, Mood Mood, List<string> Tags, Address Home, double? Score = null);

public sealed record TypedOut(string Summary, Address Home, [property: JsonPropertyName("snake_case")] bool SnakeCase);

/// <summary>Exercises nested records, enums, lists, optional members and renamed properties in contracts and validation.</summary>
[Agent("test.typed", Description = "Typed input and output.", Version = "2.0.0", Tags = ["test", "types"])]
public sealed class TypedAgent : Agent<TypedIn, TypedOut>
{
    protected override Task<TypedOut> HandleAsync(TypedIn input, AgentContext context) =>
        Task.FromResult(new TypedOut($"{input.Name}:{input.Count}:{input.Mood}:{string.Join('|', input.Tags)}:{input.Score}", input.Home, true));
}

/// <summary>Raises a mesh error with a code the protocol does not define: it must be forwarded unchanged.</summary>
[Agent("test.coded", Description = "Fails with a custom mesh error code.")]
public sealed class CodedAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) =>
        throw new MeshException("quota_exceeded", $"quota exceeded for {input}", details: JsonDocument.Parse("""{"limit": 3}""").RootElement.Clone());
}

/// <summary>Returns a string of the requested length, to overflow the server's max_payload on the way back.</summary>
[Agent("test.big", Description = "Returns a string of the requested size.")]
public sealed class BigAgent : Agent<int, string>
{
    protected override Task<string> HandleAsync(int input, AgentContext context) => Task.FromResult(new string('x', input));
}

/// <summary>Sleeps for the requested milliseconds: in-flight work for the drain tests.</summary>
[Agent("test.slow", Description = "Answers after a delay.")]
public sealed class SlowAgent : Agent<int, string>
{
    private static int _running;

    /// <summary>Requests currently inside the handler (the silo runs in the test process).</summary>
    public static int Running => Volatile.Read(ref _running);

    protected override async Task<string> HandleAsync(int input, AgentContext context)
    {
        Interlocked.Increment(ref _running);
        try
        {
            await Task.Delay(input);
            return $"slept {input}";
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

public sealed record RelayIn(string Target, JsonElement Payload, string? Conversation = null);

/// <summary>Calls any agent by name through <see cref="IAgentMesh"/> and returns its raw output.</summary>
[Agent("test.relay", Description = "Calls another agent by name.")]
public sealed class RelayAgent : Agent<RelayIn, JsonElement>
{
    protected override async Task<JsonElement> HandleAsync(RelayIn input, AgentContext context)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(input.Payload);
        var reply = await context.Mesh.CallJsonAsync(input.Target, body, new AgentCallOptions { ConversationId = input.Conversation, Timeout = TimeSpan.FromSeconds(5) });
        return JsonDocument.Parse(reply).RootElement.Clone();
    }
}
