using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Docs.Snippets;

#region EchoAgent
public sealed record EchoIn(string Message);
public sealed record EchoOut(string Reply);

[Agent("demo.echo", Description = "Echoes a message.", Version = "1.0.0", Tags = ["demo", "text"])]
public sealed class EchoAgent : Agent<EchoIn, EchoOut>               // stateless: a stateless worker, scales across cores
{
    protected override Task<EchoOut> HandleAsync(EchoIn input, AgentContext context) =>
        Task.FromResult(new EchoOut($"Echo: {input.Message}"));
}
#endregion

#region CounterAgent
public sealed record CounterIn([property: ConversationKey] string? Conversation = null);
public sealed record CounterOut(int Count, string ConversationId);
public sealed class CounterState { public int Turns { get; set; } }

[Agent("demo.counter", Description = "Counts the turns of each conversation.")]
public sealed class CounterAgent : ConversationalAgent<CounterIn, CounterOut, CounterState>   // one activation per conversation
{
    protected override Task<CounterOut> HandleAsync(CounterIn input, AgentContext context)
    {
        State.Turns++;                                                // saved before the reply leaves
        return Task.FromResult(new CounterOut(State.Turns, context.ConversationId));
    }
}
#endregion

public sealed record Delta(string Text);

#region WordsAgent
[Agent("demo.words", Description = "Streams the words of a message.")]
public sealed class WordsAgent : StreamingAgent<EchoIn, Delta>
{
    protected override async IAsyncEnumerable<Delta> StreamAsync(EchoIn input, AgentContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)      // cancelled at the stream's deadline
    {
        foreach (var word in input.Message.Split(' '))
        {
            await Task.Yield();
            yield return new Delta(word);                                  // each chunk leaves on NATS at once
        }

        context.ReportUsage(new MeshUsage { OutputTokens = 3, Model = "words-1" });   // X-Mesh-Usage on the end frame
    }
}
#endregion

#region Cancellation
public sealed record FetchIn(string Url);

[Agent("demo.fetch", Description = "Fetches a page.")]
public sealed class FetchAgent(HttpClient http) : Agent<FetchIn, string>
{
    protected override Task<string> HandleAsync(FetchIn input, AgentContext context) =>
        http.GetStringAsync(input.Url, context.CancellationToken);    // gives up with the caller, or when the silo stops
}
#endregion

#region SourcesAndGates
[Agent("demo.audit", Description = "Writes audit messages to the log.")]
[SubjectSource("audit.>", QueueGroup = "demo.audit")]                 // each message handled once per cluster
public sealed class AuditAgent(ILogger<AuditAgent> log) : SourceAgent<MeshMessage<JsonElement>> // source-only: catalog (false, false)
{
    protected override Task HandleAsync(MeshMessage<JsonElement> input, AgentContext context)
    {
        log.LogInformation("audit {Subject}: {Payload}", input.Subject, input.Payload);
        return Task.CompletedTask;
    }
}

[Agent("demo.settings", Description = "Follows settings.* in mesh-context.")]
[KvSource("settings.*", Replay = true)]                                 // current values, then puts and deletes
public sealed class SettingsWatchAgent(ILogger<SettingsWatchAgent> log) : SourceAgent<KvEntry<string>>
{
    protected override Task HandleAsync(KvEntry<string> input, AgentContext context)
    {
        log.LogInformation("{Key} {Operation} at revision {Revision}", input.Key, input.Operation, input.Revision);
        return Task.CompletedTask;
    }
}

[Agent("demo.upper", Description = "Upper-cases text while flags.demo.upper is on.")]
[ActiveWhen(Kv = "flags.demo.upper", DrainTimeoutSeconds = 10)]           // or [ActiveWhen(Subject = "control.x", WhenEquals = "on")]
public sealed class UpperAgent : Agent<string, string>                 // closed: registered, unserved → callers get not_available
{
    protected override Task<string> HandleAsync(string input, AgentContext context) =>
        Task.FromResult(input.ToUpperInvariant());
}
#endregion

public sealed record Summary(string Text);

[Agent("demo.pipeline", Description = "Echoes, then summarizes with a Python agent.")]
public sealed class PipelineAgent : Agent<EchoIn, Summary>
{
    protected override async Task<Summary> HandleAsync(EchoIn input, AgentContext context)
    {
        var text = input.Message;
        #region CallOtherAgents
        var echoed = await context.Mesh.CallAsync<EchoOut>("demo.echo", input);                  // in-cluster: no NATS hop
        var summary = await context.Mesh.CallAsync<Summary>("py.summarizer", text);              // a Python agent: over NATS
        #endregion
        return summary with { Text = $"{echoed.Reply}: {summary.Text}" };
    }
}

[Agent("demo.quota", Description = "Fails with a custom error code.")]
public sealed class QuotaAgent : Agent<EchoIn, EchoOut>
{
    protected override Task<EchoOut> HandleAsync(EchoIn input, AgentContext context)
    {
        #region ThrowMeshError
        throw new MeshException("quota_exceeded", "Daily quota used up; try again tomorrow.");   // the caller gets this code
        #endregion
    }
}
