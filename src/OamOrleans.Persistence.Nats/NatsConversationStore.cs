using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Nats;
using OamOrleans.Protocol;

namespace OamOrleans.Persistence.Nats;

/// <summary>
/// The stored conversations of conversational agents, where the NATS grain storage keeps them (read, list, delete). A
/// conversation's state is grain <c>oam.{agent}/{conversation}</c>, state <c>conversation</c>, under KV key
/// <c>{serviceId}.{grain type}.{conversation}.conversation</c> with each segment escaped (bytes outside
/// <c>[-/_a-zA-Z0-9]</c> become <c>=XX</c>), as <see cref="NatsGrainStorage"/> writes it. State kept in silo memory is not
/// visible here. The CLI's <c>oam conversation</c> commands and the admin tools read it through this class.
/// </summary>
public sealed class NatsConversationStore
{
    /// <summary>The largest page <see cref="ListAsync"/> returns.</summary>
    public const int MaxPageSize = 1000;

    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;
    private readonly INatsConnection _connection;

    /// <summary>Reads the conversations stored on <paramref name="connection"/>'s server as <paramref name="options"/> says.</summary>
    public NatsConversationStore(INatsConnection connection, ConversationStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        Options = options ?? new ConversationStoreOptions();
    }

    /// <summary>Where the conversations are read.</summary>
    public ConversationStoreOptions Options { get; }

    /// <summary>
    /// One page of <paramref name="agent"/>'s stored conversations, in the order of their last write, starting after
    /// <paramref name="after"/> (a previous page's <see cref="ConversationPage.Next"/>; 0 for the first page). Reads at most
    /// <paramref name="limit"/> entries from the server, never the whole bucket. A conversation written while you page
    /// moves to the end and may show up again on a later page.
    /// </summary>
    /// <exception cref="NatsGrainStorageException">The state bucket does not exist (the silos keep state elsewhere).</exception>
    public async ValueTask<ConversationPage> ListAsync(string agent, ulong after = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        if (limit is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"A page holds 1 to {MaxPageSize} conversations.");
        }

        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        var prefix = ConversationKeys.Prefix(Options.ServiceId, agent);
        var suffix = "." + ConversationKeys.StateName;
        var items = new List<ConversationSummary>(Math.Min(limit, 256));
        var next = await store.ReadPageAsync(ConversationKeys.Filter(Options.ServiceId, agent), after, limit, e =>
        {
            if (e.Operation == NatsKVOperation.Put)
            {
                items.Add(Summary(agent, e, prefix.Length, suffix.Length));
            }
        }, cancellationToken).ConfigureAwait(false);
        return new ConversationPage(items, next);
    }

    /// <summary>Every stored conversation of <paramref name="agent"/>, page by page (<paramref name="pageSize"/> entries in memory at a time).</summary>
    public async IAsyncEnumerable<ConversationSummary> ListAllAsync(string agent, int pageSize = 500, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ulong after = 0;
        while (true)
        {
            var page = await ListAsync(agent, after, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            if (page.Next is not { } next)
            {
                yield break;
            }

            after = next;
        }
    }

    /// <summary>One conversation in full; null when it has no stored state.</summary>
    /// <exception cref="NatsGrainStorageException">The state bucket does not exist.</exception>
    public async ValueTask<ConversationDetails?> GetAsync(string agent, string conversationId, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        ArgumentNullException.ThrowIfNull(conversationId);
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        var read = await store.ReadKeyAsync(ConversationKeys.Key(Options.ServiceId, agent, conversationId), Raw, cancellationToken).ConfigureAwait(false);
        if (read.Entry is not { Value: { } value } entry)
        {
            return null;
        }

        var summary = new ConversationSummary(agent, conversationId, entry.Created, value.Length, entry.Revision);
        return Details(summary, value);
    }

    /// <summary>
    /// Deletes a conversation's stored state (for example for a data-removal request); false when there was none. A turn
    /// in flight cannot write it back: its write names the revision it read and fails, and the conversation starts anew.
    /// Its pending reminders fire once more, find nothing pending and unregister themselves without running a turn.
    /// </summary>
    public async ValueTask<bool> DeleteAsync(string agent, string conversationId, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        ArgumentNullException.ThrowIfNull(conversationId);
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        var key = ConversationKeys.Key(Options.ServiceId, agent, conversationId);
        var read = await store.ReadKeyAsync(key, Raw, cancellationToken).ConfigureAwait(false);
        if (read.Entry is null)
        {
            return false;
        }

        await store.PurgeAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static ConversationSummary Summary(string agent, NatsKVEntry<byte[]> e, int prefixLength, int suffixLength)
    {
        var segment = e.Key[prefixLength..^suffixLength];
        var id = KvKeySegment.Decode(segment) is { } bytes ? Encoding.UTF8.GetString(bytes) : segment;
        return new ConversationSummary(agent, id, e.Created, e.Value?.Length ?? 0, e.Revision);
    }

    /// <summary>Splits a stored snapshot into the agent's state, its pending reminders and its turn log (see ConversationSnapshot in the runtime).</summary>
    private static ConversationDetails Details(ConversationSummary summary, byte[] value)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(value);
        }
        catch (JsonException)
        {
            // Not JSON (another writer's data): shown as a string, never fatal.
            return new ConversationDetails(summary, JsonSerializer.SerializeToElement(Encoding.UTF8.GetString(value)), [], 0);
        }

        if (root is not JsonObject document)
        {
            return new ConversationDetails(summary, JsonSerializer.SerializeToElement(root), [], 0);
        }

        var turns = (document["oam_log"] is JsonArray log ? log.Count : 0) + (document["oam_turns"] is JsonArray logged ? logged.Count : 0);
        var reminders = new List<ConversationReminder>();
        if (document["oam_reminders"] is JsonObject pending)
        {
            foreach (var (name, reminder) in pending)
            {
                if (reminder?["due_at"]?.GetValue<string>() is { } due && DateTimeOffset.TryParse(due, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var dueAt))
                {
                    reminders.Add(new ConversationReminder(name, dueAt, JsonSerializer.SerializeToElement(reminder["payload"])));
                }
            }
        }

        document.Remove("oam_log");
        document.Remove("oam_turns");
        document.Remove("oam_reminders");
        document.Remove("oam_last_turn");
        var state = document.Count == 1 && document["oam_state"] is { } wrapped ? wrapped : document;
        return new ConversationDetails(summary, JsonSerializer.SerializeToElement(state), [.. reminders.OrderBy(r => r.DueAt)], turns);
    }

    private async ValueTask<INatsKVStore> StoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.CreateKeyValueStoreContext().GetStoreAsync(Options.Bucket, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            throw new NatsGrainStorageException($"KV bucket '{Options.Bucket}' does not exist: the silos keep conversation state elsewhere (silo memory) or in another bucket.");
        }
    }
}
