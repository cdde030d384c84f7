using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary><c>oam kv</c>: the shared context KV (bucket <c>mesh-context</c>, §6.2) through the mesh client's <c>Kv</c>.</summary>
internal static class KvCommands
{
    public static Command Build() => new("kv", "Read and write the shared context KV (bucket mesh-context).")
    {
        Get(),
        Put(),
        List(),
        Watch(),
        Remove(),
    };

    private static Argument<string> KeyArgument() => new("KEY") { Description = "Key; use dots to group keys (watchable with wildcards)." };

    private static Command Get()
    {
        var key = KeyArgument();
        var json = OamCli.JsonOption("Print {\"key\", \"revision\", \"value\"} as sorted JSON (the value parsed when it is JSON).");
        var command = new Command("get", "Print the value of a key.") { key, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(key)!;
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var entry = await client.Kv.TryGetEntryAsync(name, ct)
                ?? throw new NotFoundException($"Key '{name}' not found in {MeshBuckets.Context}");
            if (parse.GetValue(json))
            {
                parse.Stdout().WriteLine(CliOutput.SortedJson(ToJson(entry)));
            }
            else
            {
                parse.Stdout().WriteLine(entry.Text);
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static Command Put()
    {
        var key = KeyArgument();
        var value = new Argument<string?>("VALUE") { Description = "The value (stored as UTF-8 text, unchanged). Read from stdin when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("put", "Store a value under a key and print its revision.") { key, value };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(key)!;
            var text = parse.GetValue(value);
            text ??= await parse.ReadInputAsync(ct) ?? throw new UsageException("Give a VALUE or pipe it on stdin.");

            await using var client = await OamCli.ConnectAsync(parse, ct);
            var revision = await client.Kv.PutAsync(name, text, ct);
            parse.Stdout().WriteLine($"{name}: revision {revision.ToString(CultureInfo.InvariantCulture)}");
            return OamCli.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var prefix = new Argument<string?>("PREFIX") { Description = "Key prefix or NATS wildcard pattern (default: all keys).", Arity = ArgumentArity.ZeroOrOne };
        var json = OamCli.JsonOption("Emit JSON instead of a table.");
        var command = new Command("list", "List the keys with their revision and value.") { prefix, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var entries = (await client.Kv.ListAsync(parse.GetValue(prefix) ?? ">", cancellationToken: ct))
                .OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            if (parse.GetValue(json))
            {
                parse.Stdout().WriteLine(CliOutput.SortedJson(new JsonArray(entries.Select(e => (JsonNode?)ToJson(e)).ToArray())));
                return OamCli.Ok;
            }

            var rows = entries.Select(e => (IReadOnlyList<string>)[e.Key, e.Revision.ToString(CultureInfo.InvariantCulture), Preview(e.Text)]).ToList();
            parse.Stdout().WriteLine(CliOutput.Table(["KEY", "REVISION", "VALUE"], rows));
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Watch()
    {
        var pattern = new Argument<string?>("PATTERN") { Description = "A key or one wildcard pattern, e.g. 'plan.*' (default: every key).", Arity = ArgumentArity.ZeroOrOne };
        var json = OamCli.JsonOption("Print each change as sorted, indented JSON.");
        var updatesOnly = new Option<bool>("--updates-only") { Description = "Skip the current values; print only later changes." };
        var command = new Command("watch", "Print changes to a key or pattern until Ctrl-C (current values first).") { pattern, json, updatesOnly };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var asJson = parse.GetValue(json);
            await foreach (var e in client.Kv.WatchEntriesAsync(parse.GetValue(pattern) ?? ">", parse.GetValue(updatesOnly), ct).WithCancellation(ct))
            {
                if (asJson)
                {
                    parse.Stdout().WriteLine(CliOutput.SortedJson(ToJson(e)));
                }
                else
                {
                    parse.Stdout().WriteLine(e.Operation == KvOperation.Put
                        ? $"[{e.Revision.ToString(CultureInfo.InvariantCulture)}] {e.Key} = {e.Text}"
                        : $"[{e.Revision.ToString(CultureInfo.InvariantCulture)}] {e.Key} deleted");
                }
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static Command Remove()
    {
        var key = KeyArgument();
        var command = new Command("rm", "Delete a key (watchers see a DELETE).") { key };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(key)!;
            await using var client = await OamCli.ConnectAsync(parse, ct);
            await client.Kv.DeleteAsync(name, ct);
            parse.Stdout().WriteLine($"Deleted {name}");
            return OamCli.Ok;
        });
        return command;
    }

    private static JsonObject ToJson(KvEntry e) => new()
    {
        ["key"] = e.Key,
        ["revision"] = e.Revision,
        ["operation"] = e.OperationName,
        ["value"] = e.Operation == KvOperation.Put ? CliOutput.JsonOrText(e.Value.Span) ?? JsonValue.Create("") : null,
    };

    private static string Preview(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= 60 ? oneLine : string.Concat(oneLine.AsSpan(0, 57), "...");
    }
}
