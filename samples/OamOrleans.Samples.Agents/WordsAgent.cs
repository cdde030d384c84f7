using System.Runtime.CompilerServices;
using OamOrleans.Protocol;

namespace OamOrleans.Samples.Agents;

public sealed record Delta(string Text);

/// <summary>The message to split, and an optional pause before each word (0 to 1000 ms) to watch a stream arrive live.</summary>
public sealed record WordsIn(string Message, int PauseMs = 0);

/// <summary>
/// <c>demo.words</c>: a streamer. Streams the words of the message one chunk at a time and reports usage
/// (one "token" per word) on the end frame. <c>pauseMs</c> paces the words (the admin UI's Stop is seen on a slow stream).
/// </summary>
[Agent("demo.words", Description = "Streams the words of a message.", Tags = ["demo", "stream"])]
public sealed class WordsAgent : StreamingAgent<WordsIn, Delta>
{
    protected override async IAsyncEnumerable<Delta> StreamAsync(WordsIn input, AgentContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var words = input.Message.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var pause = TimeSpan.FromMilliseconds(Math.Clamp(input.PauseMs, 0, 1000));
        foreach (var word in words)
        {
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, cancellationToken);
            }
            else
            {
                await Task.Yield();
            }

            yield return new Delta(word);
        }

        context.ReportUsage(new MeshUsage { InputTokens = words.Length, OutputTokens = words.Length, Model = "words-1" });
    }
}
