using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OamOrleans.Client;
using OamOrleans.Persistence.Nats;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam conversation</c>: the stored conversations of conversational agents (NATS grain storage), through
/// <see cref="NatsConversationStore"/>. Also <c>oam agent reminders</c>, which reads the same store.
/// </summary>
internal static class ConversationCommands
{
    public static Command Build() => new("conversation", "List, show and delete the stored conversations of conversational agents (state kept in NATS).")
    {
        List(),
        Show(),
        Delete(),
    };

    private static Argument<string> AgentArgument() => new("AGENT") { Description = "Agent name, e.g. demo.counter." };

    private static Argument<string> IdArgument() => new("ID") { Description = "Conversation id." };

    /// <summary>The options that say where the silos keep conversation state.</summary>
    internal sealed class StoreOptions
    {
        public Option<string> Bucket { get; } = new("--state-bucket")
        {
            Description = "Grain-state KV bucket of the silos.",
            DefaultValueFactory = _ => new ConversationStoreOptions().Bucket,
        };

        public Option<string> ServiceId { get; } = new("--service-id")
        {
            Description = "Orleans service id of the silos (default: OAM_SERVICE_ID, else oam).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("OAM_SERVICE_ID") is { Length: > 0 } id ? id : new ConversationStoreOptions().ServiceId,
        };

        public void AddTo(Command command)
        {
            command.Add(Bucket);
            command.Add(ServiceId);
        }

        public NatsConversationStore Open(MeshClient client, ParseResult parse) =>
            new(client.Connection, new ConversationStoreOptions { Bucket = parse.GetValue(Bucket)!, ServiceId = parse.GetValue(ServiceId)! });
    }

    private static Command List()
    {
        var agent = AgentArgument();
        var limit = new Option<int>("--limit") { Description = $"Conversations per page (1-{NatsConversationStore.MaxPageSize}).", DefaultValueFactory = _ => 100 };
        var after = new Option<ulong>("--after") { Description = "Start after this cursor (the 'next' of a previous page); 0 for the first page." };
        var all = new Option<bool>("--all") { Description = "Every page, not only the first." };
        var json = OamCli.JsonOption("Print {\"items\": [...], \"next\": cursor|null} as sorted JSON.");
        var store = new StoreOptions();
        var command = new Command("list", "List an agent's stored conversations: last-turn time and state size, in the order of their last write.") { agent, limit, after, all, json };
        store.AddTo(command);
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(agent)!;
            AgentName.Validate(name, "AGENT");
            var size = parse.GetValue(limit);
            if (size is < 1 or > NatsConversationStore.MaxPageSize)
            {
                throw new UsageException($"--limit must be between 1 and {NatsConversationStore.MaxPageSize}, was {size}.");
            }

            await using var client = await OamCli.ConnectAsync(parse, ct);
            var conversations = store.Open(client, parse);
            var items = new List<ConversationSummary>();
            ulong? next;
            var cursor = parse.GetValue(after);
            do
            {
                var page = await conversations.ListAsync(name, cursor, size, ct);
                items.AddRange(page.Items);
                next = page.Next;
                cursor = next ?? 0;
            }
            while (parse.GetValue(all) && next is not null);

            if (parse.GetValue(json))
            {
                var array = new JsonArray([.. items.Select(i => (JsonNode)Summary(i))]);
                parse.Stdout().WriteLine(CliOutput.SortedJson(new JsonObject { ["items"] = array, ["next"] = next is { } n ? JsonValue.Create(n) : null }));
            }
            else
            {
                parse.Stdout().WriteLine(CliOutput.Table(
                    ["CONVERSATION", "LAST TURN", "STATE"],
                    [.. items.Select(i => (IReadOnlyList<string>)[i.ConversationId, Time(i.LastTurn), Bytes(i.StateBytes)])]));
                if (next is { } more)
                {
                    parse.Stdout().WriteLine($"(more: --after {more.ToString(CultureInfo.InvariantCulture)})");
                }
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var agent = AgentArgument();
        var id = IdArgument();
        var store = new StoreOptions();
        var command = new Command("show", "Show one stored conversation: its state, pending reminders and turn log size (sorted JSON).") { agent, id };
        store.AddTo(command);
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(agent)!;
            AgentName.Validate(name, "AGENT");
            var conversation = parse.GetValue(id)!;
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var details = await store.Open(client, parse).GetAsync(name, conversation, ct)
                ?? throw new NotFoundException($"Agent '{name}' has no stored conversation '{conversation}'", name);
            var node = Summary(details.Summary);
            node["state"] = JsonNode.Parse(details.State.GetRawText());
            node["reminders"] = Reminders(details.Reminders);
            node["logged_turns"] = details.LoggedTurns;
            parse.Stdout().WriteLine(CliOutput.SortedJson(node));
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var agent = AgentArgument();
        var id = IdArgument();
        var store = new StoreOptions();
        var command = new Command("delete", "Delete one conversation's stored state (e.g. a data-removal request); its pending reminders then run nothing.") { agent, id };
        store.AddTo(command);
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(agent)!;
            AgentName.Validate(name, "AGENT");
            var conversation = parse.GetValue(id)!;
            await using var client = await OamCli.ConnectAsync(parse, ct);
            if (!await store.Open(client, parse).DeleteAsync(name, conversation, ct))
            {
                throw new NotFoundException($"Agent '{name}' has no stored conversation '{conversation}'", name);
            }

            parse.Stdout().WriteLine($"Deleted conversation '{conversation}' of {name}");
            return OamCli.Ok;
        });
        return command;
    }

    /// <summary><c>oam agent reminders NAME [--conversation ID]</c>: the pending reminders of one or every stored conversation.</summary>
    internal static Command Reminders()
    {
        var agent = new Argument<string>("NAME") { Description = "Agent name, e.g. demo.reminder." };
        var conversation = new Option<string?>("--conversation") { Description = "Only this conversation's reminders." };
        var json = OamCli.JsonOption("Print [{\"conversation\", \"name\", \"due_at\", \"payload\"}] as sorted JSON.");
        var store = new StoreOptions();
        var command = new Command("reminders", "List the pending reminders of an agent's conversations (read from the stored conversation state), soonest first.") { agent, conversation, json };
        store.AddTo(command);
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(agent)!;
            AgentName.Validate(name, "NAME");
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var conversations = store.Open(client, parse);
            var found = new List<(string Conversation, ConversationReminder Reminder)>();
            if (parse.GetValue(conversation) is { } one)
            {
                var details = await conversations.GetAsync(name, one, ct)
                    ?? throw new NotFoundException($"Agent '{name}' has no stored conversation '{one}'", name);
                found.AddRange(details.Reminders.Select(r => (one, r)));
            }
            else
            {
                await foreach (var summary in conversations.ListAllAsync(name, cancellationToken: ct))
                {
                    if (await conversations.GetAsync(name, summary.ConversationId, ct) is { } details)
                    {
                        found.AddRange(details.Reminders.Select(r => (summary.ConversationId, r)));
                    }
                }
            }

            var sorted = found.OrderBy(f => f.Reminder.DueAt).ToList();
            if (parse.GetValue(json))
            {
                parse.Stdout().WriteLine(CliOutput.SortedJson(new JsonArray([.. sorted.Select(f =>
                {
                    var node = Reminder(f.Reminder);
                    node["conversation"] = f.Conversation;
                    return (JsonNode)node;
                })])));
            }
            else
            {
                parse.Stdout().WriteLine(CliOutput.Table(
                    ["CONVERSATION", "REMINDER", "DUE", "PAYLOAD"],
                    [.. sorted.Select(f => (IReadOnlyList<string>)[f.Conversation, f.Reminder.Name, Time(f.Reminder.DueAt), f.Reminder.Payload.GetRawText()])]));
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static JsonObject Summary(ConversationSummary s) => new()
    {
        ["agent"] = s.Agent,
        ["conversation"] = s.ConversationId,
        ["last_turn"] = s.LastTurn.ToString("O", CultureInfo.InvariantCulture),
        ["state_bytes"] = s.StateBytes,
        ["revision"] = s.Revision,
    };

    private static JsonArray Reminders(IReadOnlyList<ConversationReminder> reminders) => new([.. reminders.Select(r => (JsonNode)Reminder(r))]);

    private static JsonObject Reminder(ConversationReminder r) => new()
    {
        ["name"] = r.Name,
        ["due_at"] = r.DueAt.ToString("O", CultureInfo.InvariantCulture),
        ["payload"] = JsonNode.Parse(r.Payload.GetRawText()),
    };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Bytes(int bytes) => bytes.ToString(CultureInfo.InvariantCulture) + " B";
}
