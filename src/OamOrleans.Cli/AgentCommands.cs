using System.CommandLine;
using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary><c>oam agent</c>: invoke agents and read their contracts.</summary>
internal static partial class AgentCommands
{
    public static Command Build()
    {
        var agent = new Command("agent", "Invoke and query contracts of individual agents on the mesh.")
        {
            Call(),
            Contract(),
        };
        AddStreamingCommands(agent);
        AddToolCommands(agent);
        agent.Add(ConversationCommands.Reminders());
        agent.Add(AgentHealthCommand.Build());
        return agent;
    }

    private static Argument<string> NameArgument() => new("NAME") { Description = "Agent name, e.g. demo.echo." };

    private static Argument<string?> PayloadArgument() => new("PAYLOAD")
    {
        Description = "JSON payload. Read from stdin when omitted; no payload sends an empty body.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Option<double> TimeoutOption(double seconds, string what) => new("--timeout")
    {
        Description = $"Seconds before timing out ({what}).",
        DefaultValueFactory = _ => seconds,
    };

    private static Option<string?> ConversationOption() => new("--conversation")
    {
        Description = "Conversation id (X-Mesh-Conversation-Id): selects the agent's per-conversation state.",
    };

    private static Command Call()
    {
        var name = NameArgument();
        var payload = PayloadArgument();
        var timeout = TimeoutOption(30, "request deadline");
        var json = OamCli.JsonOption("Pretty-print the response as sorted, indented JSON.");
        var conversation = ConversationOption();
        var command = new Command("call", "Invoke an agent and print its response.") { name, payload, timeout, json, conversation };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var agent = parse.GetValue(name)!;
            AgentName.Validate(agent, "NAME");
            var body = await OamCli.ReadPayloadAsync(parse, parse.GetValue(payload), ct);
            var options = new CallOptions { Timeout = OamCli.Seconds(parse.GetValue(timeout)), ConversationId = parse.GetValue(conversation) };
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var reply = await client.CallRawAsync(agent, body ?? ReadOnlyMemory<byte>.Empty, options, ct);
            OamCli.PrintJson(parse, reply.Json.Span, parse.GetValue(json));
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Contract()
    {
        var name = NameArgument();
        var json = new Option<bool>("--json") { Description = "JSON: the flat contract model (the default)." };
        var text = new Option<bool>("--text") { Description = "A short text summary instead of JSON." };
        var command = new Command("contract", "Fetch and display an agent's contract.") { name, json, text };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(json) && parse.GetValue(text))
            {
                throw new UsageException("Use either --json or --text, not both.");
            }

            var agent = parse.GetValue(name)!;
            AgentName.Validate(agent, "NAME");
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var contract = await client.ContractAsync(agent, ct);
            if (!parse.GetValue(text))
            {
                parse.Stdout().WriteLine(CliOutput.SortedJson(ToModelDump(contract)));
                return OamCli.Ok;
            }

            parse.Stdout().WriteLine($"name:        {contract.Name}");
            parse.Stdout().WriteLine($"description: {contract.Description}");
            parse.Stdout().WriteLine($"version:     {contract.Version}");
            parse.Stdout().WriteLine($"channel:     {(contract.Name.Contains('.', StringComparison.Ordinal) ? contract.Name[..contract.Name.LastIndexOf('.')] : "-")}");
            parse.Stdout().WriteLine($"streaming:   {(contract.Streaming ? "yes" : "no")}");
            parse.Stdout().WriteLine($"invocable:   {(contract.Invocable ? "yes" : "no")}");
            if (contract.Tags.Count > 0)
            {
                parse.Stdout().WriteLine($"tags:        {string.Join(", ", contract.Tags)}");
            }

            parse.Stdout().WriteLine($"subject:     {contract.Subject}");
            return OamCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// The reference CLI's contract JSON: the Python model dump with flat fields (not the registry wire document):
    /// name, description, version, tags, invocable, streaming, input/output/chunk schemas, subject, registered_at.
    /// </summary>
    internal static JsonObject ToModelDump(AgentContract contract) => new()
    {
        ["name"] = contract.Name,
        ["description"] = contract.Description,
        ["version"] = contract.Version,
        ["tags"] = new JsonArray(contract.Tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        ["invocable"] = contract.Invocable,
        ["streaming"] = contract.Streaming,
        ["input_schema"] = contract.InputSchema?.DeepClone(),
        ["output_schema"] = contract.OutputSchema?.DeepClone(),
        ["chunk_schema"] = contract.ChunkSchema?.DeepClone(),
        ["subject"] = contract.Subject,
        ["registered_at"] = contract.RegisteredAt,
    };
}
