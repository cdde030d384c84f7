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
    private static readonly CountedSleep Sleep = new();

    /// <summary>Requests currently inside the handler (the silo runs in the test process).</summary>
    public static int Running => Sleep.Running;

    protected override Task<string> HandleAsync(int input, AgentContext context) => Sleep.RunAsync(input);
}

/// <summary>Answers after the requested milliseconds; the batching tests' own, so they never move <see cref="SlowAgent.Running"/>.</summary>
[Agent("test.wait", Description = "Answers after a delay (batching tests).")]
public sealed class WaitAgent : Agent<int, string>
{
    protected override async Task<string> HandleAsync(int input, AgentContext context)
    {
        await Task.Delay(input);
        return $"waited {input}";
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
        var reply = await context.Mesh.CallJsonAsync(input.Target, body, new CallOptions { ConversationId = input.Conversation, Timeout = TimeSpan.FromSeconds(5) });
        return JsonDocument.Parse(reply).RootElement.Clone();
    }
}

/// <summary>Streams a number of chunks, optionally failing after some, optionally slow; reports usage on the way.</summary>
public sealed record StreamOrder(int Chunks, int FailAfter = -1, int DelayMs = 0);

[Agent("test.stream", Description = "Streams numbered chunks.")]
public sealed class NumberStreamAgent : StreamingAgent<StreamOrder, int>
{
    protected override async IAsyncEnumerable<int> StreamAsync(StreamOrder input, AgentContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < input.Chunks; i++)
        {
            if (i == input.FailAfter)
            {
                throw new InvalidOperationException($"stream broke at {i}");
            }

            if (input.DelayMs > 0)
            {
                await Task.Delay(input.DelayMs, cancellationToken);
            }

            context.ReportUsage(new Protocol.MeshUsage { OutputTokens = 1, Model = "n" });
            yield return i;
        }
    }
}

/// <summary>Reports usage twice on a plain call.</summary>
[Agent("test.usage", Description = "Reports usage.")]
public sealed class UsageAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context)
    {
        context.ReportUsage(new Protocol.MeshUsage { InputTokens = 10, OutputTokens = 2, Model = "m1", EstimatedCostUsd = 0.5 });
        context.ReportUsage(new Protocol.MeshUsage { InputTokens = 5, Model = "m2", EstimatedCostUsd = 0.25 });
        return Task.FromResult(input);
    }
}

/// <summary>A fast publisher: emits events every 20 ms until stopped, or fails after the number of events in its name's config.</summary>
[Agent("test.pulse", Description = "Emits a pulse every 20 ms.")]
public sealed class PulseAgent : PublisherAgent<int>
{
    protected override async IAsyncEnumerable<int> PublishAsync(AgentContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var n = 0; ; n++)
        {
            await Task.Delay(20, cancellationToken);
            yield return n;
        }
    }
}

/// <summary>A publisher whose generator fails after three events.</summary>
[Agent("test.brokenpulse", Description = "Fails after three events.")]
public sealed class BrokenPulseAgent : PublisherAgent<int>
{
    protected override async IAsyncEnumerable<int> PublishAsync(AgentContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var n = 0; n < 3; n++)
        {
            await Task.Delay(20, cancellationToken);
            yield return n;
        }

        throw new InvalidOperationException("pulse lost");
    }
}

/// <summary>The handler of the sleeping test agents: waits, and counts the requests inside it so drain tests can wait on them.</summary>
internal sealed class CountedSleep
{
    private int _running;

    public int Running => Volatile.Read(ref _running);

    public async Task<string> RunAsync(int milliseconds)
    {
        Interlocked.Increment(ref _running);
        try
        {
            await Task.Delay(milliseconds);
            return $"slept {milliseconds}";
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

public sealed record NoteIn(string Note, bool Fail = false, [property: ConversationKey] string? Conversation = null);

public sealed record NotesOut(List<string> Notes);

public sealed class NotesState
{
    public List<string> Notes { get; set; } = [];
}

/// <summary>Appends a note to its conversation; with <c>fail</c> it throws after appending (a failed turn that changed state).</summary>
[Agent("test.notes", Description = "Appends notes to a conversation; fails after appending when asked.")]
public sealed class NotesAgent : ConversationalAgent<NoteIn, NotesOut, NotesState>
{
    protected override Task<NotesOut> HandleAsync(NoteIn input, AgentContext context)
    {
        State.Notes.Add(input.Note);
        return input.Fail
            ? throw new InvalidOperationException($"refused '{input.Note}' after noting it")
            : Task.FromResult(new NotesOut([.. State.Notes]));
    }
}

/// <summary>A conversation keyed by a number: <c>{"ticket": 1e2}</c>.</summary>
public sealed record TicketIn([property: ConversationKey] double Ticket);

public sealed record TicketOut(int Turn, string ConversationId);

public sealed class TicketState
{
    public int Turns { get; set; }
}

[Agent("test.ticket", Description = "Counts the turns of a conversation keyed by a number.")]
public sealed class TicketAgent : ConversationalAgent<TicketIn, TicketOut, TicketState>
{
    protected override Task<TicketOut> HandleAsync(TicketIn input, AgentContext context)
    {
        State.Turns++;
        return Task.FromResult(new TicketOut(State.Turns, context.ConversationId));
    }
}
