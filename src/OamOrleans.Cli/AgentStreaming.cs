using System.CommandLine;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary><c>oam agent stream</c> and <c>oam agent subscribe</c>, on the mesh client's stream and subscribe verbs.</summary>
internal static partial class AgentCommands
{
    private static void AddStreamingCommands(Command agent)
    {
        agent.Add(Stream());
        agent.Add(Subscribe());
    }

    private static Command Stream()
    {
        var name = NameArgument();
        var payload = PayloadArgument();
        var timeout = TimeoutOption(60, "total deadline for the whole stream");
        var json = OamCli.JsonOption("Print each chunk as sorted, indented JSON.");
        var conversation = ConversationOption();
        var command = new Command("stream", "Invoke a streaming agent and print each chunk as it arrives.") { name, payload, timeout, json, conversation };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var agentName = parse.GetValue(name)!;
            AgentName.Validate(agentName, "NAME");
            var body = await OamCli.ReadPayloadAsync(parse, parse.GetValue(payload), ct);
            var options = new CallOptions { Timeout = OamCli.Seconds(parse.GetValue(timeout)), ConversationId = parse.GetValue(conversation) };
            var asJson = parse.GetValue(json);
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var stream = client.StreamRawAsync(agentName, body ?? ReadOnlyMemory<byte>.Empty, options, ct);
            await foreach (var chunk in stream.WithCancellation(ct))
            {
                OamCli.PrintJson(parse, chunk.Json.Span, asJson);
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static Command Subscribe()
    {
        var name = NameArgument();
        var timeout = new Option<double?>("--timeout") { Description = "Stop with a timeout error when no event arrives for this many seconds (default: wait forever)." };
        var json = OamCli.JsonOption("Print each event as sorted, indented JSON.");
        var command = new Command("subscribe", "Follow a publisher agent's events until its end frame or Ctrl-C.") { name, timeout, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var agentName = parse.GetValue(name)!;
            AgentName.Validate(agentName, "NAME");
            var inactivity = parse.GetValue(timeout) is { } seconds ? OamCli.Seconds(seconds) : (TimeSpan?)null;
            var asJson = parse.GetValue(json);
            await using var client = await OamCli.ConnectAsync(parse, ct);
            await foreach (var frame in client.SubscribeRawAsync(agent: agentName, timeout: inactivity, cancellationToken: ct).WithCancellation(ct))
            {
                if (!frame.Body.IsEmpty)
                {
                    OamCli.PrintJson(parse, frame.Body.Span, asJson);
                }
            }

            return OamCli.Ok;
        });
        return command;
    }
}
