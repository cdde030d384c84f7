using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OamOrleans.Protocol;

namespace OamOrleans;

/// <summary>
/// Reports the token usage and model of every response of the chat client it wraps to the agent call it runs in
/// (<see cref="AgentContext.Current"/>), so it leaves on the agent's reply as <c>X-Mesh-Usage</c>. Outside an agent
/// call it only passes through. Streaming responses report what their updates carried when the stream ends.
/// </summary>
internal sealed class MeshUsageChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        Report(response.Usage, response.ModelId);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        UsageDetails? usage = null;
        string? model = null;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                model = update.ModelId ?? model;
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent { Details: { } details })
                    {
                        (usage ??= new UsageDetails()).Add(details);
                    }
                }

                yield return update;
            }
        }
        finally
        {
            // Also when the caller stops early: the tokens of what was generated were spent.
            Report(usage, model);
        }
    }

    private static void Report(UsageDetails? usage, string? model)
    {
        if (AgentContext.Current is not { } context || (usage is null && model is null))
        {
            return;
        }

        context.ReportUsage(new MeshUsage
        {
            InputTokens = usage?.InputTokenCount,
            OutputTokens = usage?.OutputTokenCount,
            TotalTokens = usage?.TotalTokenCount,
            Model = model,
        });
    }
}
