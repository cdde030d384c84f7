using System.Text;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Nats;

namespace OamOrleans.AdminUi.Mesh;

/// <summary>One stored conversation of an agent: its id and the KV key that holds its state.</summary>
internal sealed record StoredConversation(string ConversationId, string Key);

/// <summary>A pending reminder of a conversation as the state panel lists it.</summary>
internal sealed record PendingReminderRow(string Name, string DueAt, string Payload);

/// <summary>
/// Reads conversation state where <c>AddNatsGrainStorage</c> keeps it (read-only). A conversational agent's state is
/// grain <c>oam.{agent}/{conversation}</c>, state name <c>conversation</c>, under key
/// <c>{serviceId}.{grain type}.{conversation}.conversation</c> with each segment escaped as
/// src/OamOrleans.Persistence.Nats/NatsGrainStorageKeys.cs does (bytes outside <c>[-/_a-zA-Z0-9]</c> become <c>=XX</c>).
/// State kept in silo memory (<c>OAM_STORAGE=memory</c>) is not visible from outside the silo.
/// </summary>
internal sealed class ConversationStates(IOptions<AdminUiOptions> options)
{
    private const string StateName = "conversation";
    private static readonly NatsRawSerializer<byte[]> Raw = NatsRawSerializer<byte[]>.Default;

    public string Bucket => options.Value.StateBucket;

    /// <summary>The stored conversations of <paramref name="agent"/>; null when the state bucket does not exist.</summary>
    public async Task<IReadOnlyList<StoredConversation>?> ListAsync(INatsConnection connection, string agent, CancellationToken cancellationToken)
    {
        if (await StoreAsync(connection, cancellationToken) is not { } store)
        {
            return null;
        }

        var prefix = Prefix(agent);
        var suffix = "." + StateName;
        var found = new List<StoredConversation>();
        await foreach (var key in store.GetKeysAsync([prefix + "*" + suffix], cancellationToken: cancellationToken))
        {
            var segment = key[prefix.Length..^suffix.Length];
            found.Add(new StoredConversation(Decode(segment) ?? segment, key));
        }

        return [.. found.OrderBy(c => c.ConversationId, StringComparer.Ordinal)];
    }

    /// <summary>The state document of one conversation as text; null when it is gone.</summary>
    public async Task<string?> ReadAsync(INatsConnection connection, string key, CancellationToken cancellationToken)
    {
        if (await StoreAsync(connection, cancellationToken) is not { } store)
        {
            return null;
        }

        var entry = await store.TryGetEntryAsync(key, serializer: Raw, cancellationToken: cancellationToken);
        return entry.Success && entry.Value.Value is { } value ? Encoding.UTF8.GetString(value) : null;
    }

    /// <summary>
    /// The pending reminders a stored conversation carries in <c>oam_reminders</c> (see the runtime's ConversationSnapshot),
    /// soonest first; none for a state that is not such a document.
    /// </summary>
    public static IReadOnlyList<PendingReminderRow> PendingReminders(string stateJson)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(stateJson);
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object
                || !document.RootElement.TryGetProperty("oam_reminders", out var reminders)
                || reminders.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                return [];
            }

            return [.. reminders.EnumerateObject()
                .Select(r => new PendingReminderRow(
                    r.Name,
                    r.Value.TryGetProperty("due_at", out var due) ? due.ToString() : "?",
                    r.Value.TryGetProperty("payload", out var payload) ? payload.GetRawText() : "{}"))
                .OrderBy(r => r.DueAt, StringComparer.Ordinal)];
        }
        catch (System.Text.Json.JsonException)
        {
            return []; // another writer's data: the raw state above shows it
        }
    }

    private async Task<INatsKVStore?> StoreAsync(INatsConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.CreateKeyValueStoreContext().GetStoreAsync(Bucket, cancellationToken);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return null;
        }
    }

    private string Prefix(string agent) =>
        Encode(options.Value.ServiceId) + "." + Encode("oam." + agent) + ".";

    internal static string Encode(string text) => KvKeySegment.Encode(Encoding.UTF8.GetBytes(text));

    internal static string? Decode(string segment) => KvKeySegment.Decode(segment) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
}
