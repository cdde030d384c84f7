using System.Runtime.CompilerServices;
using OamOrleans.Protocol;

namespace OamOrleans.Samples.Agents;

public sealed record Delta(string Text);

/// <summary>
/// <c>demo.words</c>: a streamer. Streams the words of the message one chunk at a time and reports usage
/// (one "token" per word) on the end frame.
/// </summary>
[Agent("demo.words", Description = "Streams the words of a message.", Tags = ["demo", "stream"])]
public sealed class WordsAgent : StreamingAgent<EchoIn, Delta>
{
    protected override async IAsyncEnumerable<Delta> StreamAsync(EchoIn input, AgentContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var words = input.Message.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var word in words)
        {
            await Task.Yield();
            yield return new Delta(word);
        }

        context.ReportUsage(new MeshUsage { InputTokens = words.Length, OutputTokens = words.Length, Model = "words-1" });
    }
}
