using System.CommandLine;
using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary><c>oam agent tool</c> and <c>oam agent card</c>: an agent's contract as an LLM tool definition or an A2A agent card.</summary>
internal static partial class AgentCommands
{
    private static readonly string[] ToolFormats = ["tool", "anthropic", "openai", "openai-responses"];

    private static void AddToolCommands(Command agent)
    {
        agent.Add(Tool());
        agent.Add(Card());
    }

    private static Command Tool()
    {
        var name = NameArgument();
        var format = new Option<string>("--format")
        {
            Description = "tool (provider-neutral name, description, input_schema), anthropic, openai (Chat Completions) or openai-responses.",
            DefaultValueFactory = _ => "tool",
        };
        format.AcceptOnlyFromAmong(ToolFormats);
        var strict = new Option<bool>("--strict")
        {
            Description = "OpenAI strict mode: parameters cleaned (all properties required, optional ones nullable, no additional properties) and \"strict\": true.",
        };
        var command = new Command("tool", "Print an agent's contract as an LLM tool definition (sorted, indented JSON).") { name, format, strict };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var agent = parse.GetValue(name)!;
            AgentName.Validate(agent, "NAME");
            var shape = parse.GetValue(format)!;
            var isStrict = parse.GetValue(strict);
            if (isStrict && shape is not ("openai" or "openai-responses"))
            {
                throw new UsageException($"--strict applies to --format openai and openai-responses, not {shape}.");
            }

            await using var client = await OamCli.ConnectAsync(parse, ct);
            var contract = await client.ContractAsync(agent, ct);
            if (!contract.Invocable)
            {
                // The conversion's own refusal, as the mesh error a caller of this agent gets.
                throw new InvocationMismatchException($"Agent '{agent}' is not invocable (publisher)", agent);
            }

            JsonObject tool;
            try
            {
                tool = shape switch
                {
                    "anthropic" => contract.ToAnthropicTool(),
                    "openai" => contract.ToOpenAITool(OpenAIToolApi.Chat, isStrict),
                    "openai-responses" => contract.ToOpenAITool(OpenAIToolApi.Responses, isStrict),
                    _ => contract.ToToolSchema(),
                };
            }
            catch (InvalidOperationException e)
            {
                throw new CliFailure($"Error: {e.Message}"); // a name that makes no tool name (over 64 characters)
            }

            parse.Stdout().WriteLine(CliOutput.SortedJson(tool));
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Card()
    {
        var name = NameArgument();
        var cardUrl = new Option<string?>("--card-url") { Description = "The agent's A2A endpoint, written to the card as \"url\" (absolute URL)." };
        var command = new Command("card", "Print an agent's A2A agent card: its registry document without x-agentmesh.") { name, cardUrl };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var agent = parse.GetValue(name)!;
            AgentName.Validate(agent, "NAME");
            var endpoint = parse.GetValue(cardUrl);
            if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
            {
                throw new UsageException($"--card-url must be an absolute URL, got '{endpoint}'.");
            }

            await using var client = await OamCli.ConnectAsync(parse, ct);
            var contract = await client.ContractAsync(agent, ct);
            parse.Stdout().WriteLine(CliOutput.SortedJson(contract.ToAgentCard(endpoint)));
            return OamCli.Ok;
        });
        return command;
    }
}
