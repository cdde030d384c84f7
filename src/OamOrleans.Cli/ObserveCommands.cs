using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary><c>oam observe</c>: tail <c>mesh.logs.*</c> and read/write log levels in <c>mesh-observability</c> (§5.6).</summary>
internal static class ObserveCommands
{
    private static readonly string[] Levels = [LogEvent.Debug, LogEvent.Info, LogEvent.Warn, LogEvent.Error, LogEvent.Off];

    public static Command Build() => new("observe", "Tail mesh log events and control per-agent log levels.")
    {
        Logs(),
        Config(),
        Set(),
    };

    private static Command Logs()
    {
        var agent = new Argument<string?>("AGENT") { Description = "Agent name; omit for all agents.", Arity = ArgumentArity.ZeroOrOne };
        var level = new Option<string?>("--level") { Description = $"Minimum level to show ({string.Join(", ", Levels)})." };
        var json = OamCli.JsonOption("Print each event as sorted, indented JSON.");
        var command = new Command("logs", "Tail log events from the mesh (Ctrl-C to stop).") { agent, level, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(level) is { } l)
            {
                CheckLevel(l, "level");
            }
            var name = parse.GetValue(agent);
            if (name is not null)
            {
                AgentName.Validate(name, "AGENT");
            }

            await using var client = await OamCli.ConnectAsync(parse, ct);
            await using var tail = await client.Observe.TailAsync(name, parse.GetValue(level), ct);
            parse.Stderr().WriteLine($"Tailing {tail.Subject} (Ctrl-C to stop)");
            var asJson = parse.GetValue(json);
            await foreach (var e in tail.WithCancellation(ct))
            {
                parse.Stdout().WriteLine(asJson ? CliOutput.SortedJson(CliOutput.JsonOrText(e.ToJsonBytes())) : Format(e));
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static Command Config()
    {
        var agent = new Argument<string?>("AGENT") { Description = "Agent name for its effective config; omit to list everything.", Arity = ArgumentArity.ZeroOrOne };
        var json = OamCli.JsonOption("JSON output.");
        var command = new Command("config", "Show the observability config (global default plus per-agent overrides).") { agent, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var name = parse.GetValue(agent);
            JsonObject result;
            if (name is not null)
            {
                AgentName.Validate(name, "AGENT");
                var effective = await client.Observe.GetAsync(name, ct);
                result = new JsonObject { ["log_level"] = effective.LogLevel, ["source"] = effective.Source };
                if (!parse.GetValue(json))
                {
                    parse.Stdout().WriteLine($"{name}: log_level={effective.LogLevel} (source: {effective.Source})");
                    return OamCli.Ok;
                }
            }
            else
            {
                var config = await client.Observe.ConfigAsync(ct);
                var agents = new JsonObject();
                foreach (var (key, value) in config.Agents)
                {
                    agents[key] = new JsonObject { ["log_level"] = value };
                }

                result = new JsonObject { ["global"] = new JsonObject { ["log_level"] = config.Global }, ["agents"] = agents };
                if (!parse.GetValue(json))
                {
                    parse.Stdout().WriteLine($"global: log_level={config.Global}");
                    foreach (var (key, value) in config.Agents)
                    {
                        parse.Stdout().WriteLine($"{key}: log_level={value}");
                    }

                    return OamCli.Ok;
                }
            }

            parse.Stdout().WriteLine(CliOutput.SortedJson(result));
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Set()
    {
        var agent = new Argument<string?>("AGENT") { Description = "Agent name to configure.", Arity = ArgumentArity.ZeroOrOne };
        var level = new Option<string>("--log-level") { Description = $"One of: {string.Join(", ", Levels)}.", Required = true };
        var global = new Option<bool>("--global") { Description = "Set the mesh-wide default instead of one agent." };
        var command = new Command("set", "Set the log level of one agent or mesh-wide (hosts apply it live).") { agent, level, global };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(agent);
            var isGlobal = parse.GetValue(global);
            if ((name is null) == !isGlobal)
            {
                throw new UsageException("Provide an agent name or --global (not both).");
            }

            var value = parse.GetValue(level)!;
            CheckLevel(value, "log_level");
            if (name is not null)
            {
                AgentName.Validate(name, "AGENT");
            }

            await using var client = await OamCli.ConnectAsync(parse, ct);
            var key = name ?? MeshObserve.GlobalKey;
            await (name is null ? client.Observe.SetGlobalAsync(value, ct) : client.Observe.SetAsync(name, value, ct));
            parse.Stdout().WriteLine($"{key}: log_level={value}");
            return OamCli.Ok;
        });
        return command;
    }

    private static int CheckLevel(string level, string what) =>
        LogEvent.LevelValue(level) ?? throw new UsageException($"Unknown {what} '{level}'. Choose from: {string.Join(", ", Levels)}.");

    private static string Format(LogEvent e)
    {
        var parts = new List<string> { $"{e.Timestamp} [{e.Level}] {e.Agent} {e.Event}" };
        if (e.RequestId.Length > 0)
        {
            parts.Add($"request_id={e.RequestId}");
        }

        if (e.Message.Length > 0)
        {
            parts.Add($"— {e.Message}");
        }

        if (e.Data.ValueKind == JsonValueKind.Object && e.Data.EnumerateObject().Any())
        {
            parts.Add(CliOutput.PythonJson(JsonNode.Parse(e.Data.GetRawText())));
        }

        return string.Join(' ', parts);
    }
}
