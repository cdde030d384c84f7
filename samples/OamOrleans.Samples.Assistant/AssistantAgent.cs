using Microsoft.Extensions.AI;

namespace OamOrleans.Samples.Assistant;

public sealed record AssistantIn(string Task);

/// <param name="Answer">The model's final answer.</param>
/// <param name="Calls">The agents the model called, in order (mesh names).</param>
public sealed record AssistantOut(string Answer, IReadOnlyList<string> Calls);

/// <summary>
/// <c>demo.assistant</c>, the reference's "LLM tool selection" recipe in C#: given a task, it lists the catalog as tools
/// (<see cref="IAgentMesh.GetAIFunctionsAsync"/>), lets the model choose and call agents (agents of this cluster without a
/// NATS hop), and answers. The model is the <see cref="IChatClient"/> registered with <c>AddAssistantAgent</c>; its token
/// usage goes out on the reply as <c>X-Mesh-Usage</c>.
/// </summary>
[Agent(Name, Description = "Answers a task by choosing and calling mesh agents with an LLM.", Tags = ["demo", "llm"])]
public sealed class AssistantAgent(IChatClient model) : Agent<AssistantIn, AssistantOut>
{
    public const string Name = "demo.assistant";

    private const string Instructions =
        "You are an assistant on an agent mesh. The tools are the mesh's agents. Use them to complete the user's task, " +
        "then answer briefly. A tool result {\"error\": {\"code\": ...}} means that call failed: say so or try another tool.";

    // Function invocation runs here, over the usage-reporting client: every model round is counted once.
    private readonly IChatClient _chat = new ChatClientBuilder(model).UseFunctionInvocation().Build();

    protected override async Task<AssistantOut> HandleAsync(AssistantIn input, AgentContext context)
    {
        var tools = await context.Mesh.GetAIFunctionsAsync();
        var options = new ChatOptions { Tools = [.. tools.Where(t => t.Name != AgentToolName)] };
        var response = await _chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, input.Task)],
            options);
        var byTool = tools.ToDictionary(t => t.Name, t => t.AdditionalProperties.TryGetValue("oam.agent", out var a) ? a as string ?? t.Name : t.Name);
        var calls = response.Messages
            .SelectMany(m => m.Contents.OfType<FunctionCallContent>())
            .Select(c => byTool.GetValueOrDefault(c.Name, c.Name))
            .ToArray();
        return new AssistantOut(response.Text, calls);
    }

    /// <summary>Its own tool is left out: the assistant does not call itself.</summary>
    private static readonly string AgentToolName = Protocol.AgentContract.ToolNameOf(Name);
}
