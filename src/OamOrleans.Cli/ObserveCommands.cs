using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary><c>oam observe</c>: tail <c>mesh.logs.*</c> and read/write log levels in <c>mesh-observability</c> (§5.6).</summary>
internal static class ObserveCommands
{
    private const string GlobalKey = "global";
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
        var url = OamCli.UrlOption();
        var json = OamCli.JsonOption("Print each event as sorted, indented JSON.");
        var command = new Command("logs", "Tail log events from the mesh (Ctrl-C to stop).") { agent, level, url, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var min = parse.GetValue(level) is { } l ? CheckLevel(l, "level") : 0;
            var name = parse.GetValue(agent);
            if (name is not null)
            {
                AgentName.Validate(name, "AGENT");
            }

            await using var client = await OamCli.ConnectAsync(parse.GetValue(url), ct);
            var subject = name is null ? MeshSubjects.LogsPrefix + ">" : MeshSubjects.Logs(name);
            await using var sub = await client.Connection.SubscribeCoreAsync(subject, serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: ct);
            await client.Connection.PingAsync(ct);
            Console.Error.WriteLine($"Tailing {subject} (Ctrl-C to stop)");
            var asJson = parse.GetValue(json);
            await foreach (var msg in sub.Msgs.ReadAllAsync(ct))
            {
                var data = msg.Data ?? [];
                var e = LogEvent.Parse(data);
                if ((LogEvent.LevelValue(e.Level) ?? 0) < min)
                {
                    continue;
                }

                Console.Out.WriteLine(asJson ? CliOutput.SortedJson(CliOutput.JsonOrText(data)) : Format(e));
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static Command Config()
    {
        var agent = new Argument<string?>("AGENT") { Description = "Agent name for its effective config; omit to list everything.", Arity = ArgumentArity.ZeroOrOne };
        var url = OamCli.UrlOption();
        var json = OamCli.JsonOption("JSON output.");
        var command = new Command("config", "Show the observability config (global default plus per-agent overrides).") { agent, json, url };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            await using var client = await OamCli.ConnectAsync(parse.GetValue(url), ct);
            var store = await Store(client, ct);
            var name = parse.GetValue(agent);
            JsonObject result;
            if (name is not null)
            {
                AgentName.Validate(name, "AGENT");
                var own = await ReadAsync(store, name, ct);
                var global = own is null ? await ReadAsync(store, GlobalKey, ct) : null;
                var (levelValue, source) = own?["log_level"] is { } a ? (a.ToString(), "agent")
                    : global?["log_level"] is { } g ? (g.ToString(), "global")
                    : (LogEvent.Info, "default");
                result = new JsonObject { ["log_level"] = levelValue, ["source"] = source };
                if (!parse.GetValue(json))
                {
                    Console.Out.WriteLine($"{name}: log_level={levelValue} (source: {source})");
                    return OamCli.Ok;
                }
            }
            else
            {
                var agents = new JsonObject();
                JsonObject globalConfig = new() { ["log_level"] = LogEvent.Info };
                await foreach (var key in Keys(store, ct))
                {
                    if (await ReadAsync(store, key, ct) is not { } value)
                    {
                        continue;
                    }

                    if (key == GlobalKey)
                    {
                        globalConfig = value;
                    }
                    else
                    {
                        agents[key] = value;
                    }
                }

                result = new JsonObject { ["global"] = globalConfig, ["agents"] = agents };
                if (!parse.GetValue(json))
                {
                    Console.Out.WriteLine($"global: log_level={globalConfig["log_level"]?.ToString() ?? LogEvent.Info}");
                    foreach (var (key, value) in agents.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        Console.Out.WriteLine($"{key}: log_level={value?["log_level"]?.ToString() ?? "?"}");
                    }

                    return OamCli.Ok;
                }
            }

            Console.Out.WriteLine(CliOutput.SortedJson(result));
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Set()
    {
        var agent = new Argument<string?>("AGENT") { Description = "Agent name to configure.", Arity = ArgumentArity.ZeroOrOne };
        var level = new Option<string>("--log-level") { Description = $"One of: {string.Join(", ", Levels)}.", Required = true };
        var global = new Option<bool>("--global") { Description = "Set the mesh-wide default instead of one agent." };
        var url = OamCli.UrlOption();
        var command = new Command("set", "Set the log level of one agent or mesh-wide (hosts apply it live).") { agent, level, global, url };
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

            await using var client = await OamCli.ConnectAsync(parse.GetValue(url), ct);
            var store = await Store(client, ct);
            var key = name ?? GlobalKey;
            // Python's json.dumps spacing, as the reference writes it.
            await store.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["log_level"] = value }), cancellationToken: ct);
            Console.Out.WriteLine($"{key}: log_level={value}");
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

    private static async Task<INatsKVStore> Store(MeshClient client, CancellationToken ct) =>
        await MeshStores.GetOrCreateKeyValueAsync(client.Connection.CreateKeyValueStoreContext(), MeshBuckets.Observability, ct);

    private static async Task<JsonObject?> ReadAsync(INatsKVStore store, string key, CancellationToken ct)
    {
        try
        {
            var entry = await store.GetEntryAsync(key, serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: ct);
            return entry.Value is { Length: > 0 } v ? JsonNode.Parse(v) as JsonObject : null;
        }
        catch (Exception e) when (e is NatsKVKeyNotFoundException or NatsKVKeyDeletedException or JsonException)
        {
            return null;
        }
    }

    private static async IAsyncEnumerable<string> Keys(INatsKVStore store, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var keys = new List<string>();
        try
        {
            await foreach (var key in store.GetKeysAsync(cancellationToken: ct))
            {
                keys.Add(key);
            }
        }
        catch (NatsKVException)
        {
            // Empty bucket.
        }

        foreach (var key in keys)
        {
            yield return key;
        }
    }
}
