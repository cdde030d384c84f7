using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OamOrleans.Testing;

/// <summary>
/// A deterministic model for tests (no model runs on CI). The user's message is its script: each line
/// <c>call TOOL {json arguments}</c> asks for that tool call, all in the first round. Once tool results are in the
/// conversation it answers with one line per result, <c>TOOL=&lt;result as JSON&gt;</c>, then <c>tools=&lt;offered tool names&gt;</c>.
/// Each response carries usage: 100/10/110 tokens for a first round, 150/20/170 after tool results, model
/// <see cref="Model"/>. A message without <c>call</c> lines gets <c>tools=…</c>, or what <paramref name="answer"/> makes of the
/// conversation (the cookbook's personas: one text reply per prompt).
/// </summary>
/// <remarks>Linked into the test projects that host agents with a model (AI, Cookbook).</remarks>
internal sealed class ScriptedChatClient(Func<IReadOnlyList<ChatMessage>, string>? answer = null) : IChatClient
{
    public const string Model = "scripted-model";

    public static readonly UsageDetails FirstRound = new() { InputTokenCount = 100, OutputTokenCount = 10, TotalTokenCount = 110 };

    public static readonly UsageDetails AfterTools = new() { InputTokenCount = 150, OutputTokenCount = 20, TotalTokenCount = 170 };

    /// <summary>Results are written on one line each, as compact JSON.</summary>
    public static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        var results = history.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).ToList();
        var calls = history.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).ToDictionary(c => c.CallId, c => c.Name);
        var script = history.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        var requested = script.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("call ", StringComparison.Ordinal)).ToList();

        ChatMessage reply;
        UsageDetails usage;
        if (results.Count == 0 && requested.Count > 0)
        {
            var contents = new List<AIContent>();
            for (var i = 0; i < requested.Count; i++)
            {
                var parts = requested[i]["call ".Length..].Split(' ', 2);
                var arguments = parts.Length > 1
                    ? JsonSerializer.Deserialize<Dictionary<string, object?>>(parts[1], AIJsonUtilities.DefaultOptions)
                    : [];
                contents.Add(new FunctionCallContent($"call-{i}", parts[0], arguments));
            }

            reply = new ChatMessage(ChatRole.Assistant, contents);
            usage = FirstRound;
        }
        else if (results.Count == 0 && answer is not null)
        {
            reply = new ChatMessage(ChatRole.Assistant, answer(history));
            usage = FirstRound;
        }
        else
        {
            var text = new StringBuilder();
            foreach (var result in results)
            {
                text.Append(calls.GetValueOrDefault(result.CallId, "?")).Append('=')
                    .Append(JsonSerializer.Serialize(result.Result, Compact)).Append('\n');
            }

            text.Append("tools=").Append(string.Join(',', options?.Tools?.Select(t => t.Name) ?? []));
            reply = new ChatMessage(ChatRole.Assistant, text.ToString());
            usage = results.Count == 0 ? FirstRound : AfterTools;
        }

        return Task.FromResult(new ChatResponse(reply) { ModelId = Model, Usage = Copy(usage) });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private static UsageDetails Copy(UsageDetails u) => new()
    {
        InputTokenCount = u.InputTokenCount,
        OutputTokenCount = u.OutputTokenCount,
        TotalTokenCount = u.TotalTokenCount,
    };
}
