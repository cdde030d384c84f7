using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace OamOrleans;

/// <summary>
/// What a conversation keeps in grain storage: the agent's state and the log of its last turns (request id and reply),
/// written together in one storage write, so a turn is either stored with its reply or not at all. A retried or re-sent
/// request id that is in the log gets the stored reply instead of running the handler again.
/// </summary>
/// <remarks>
/// Stored as the state's own JSON object with one more property, <c>oam_log</c>: <c>[["request id", reply], …]</c>, oldest
/// first, so a snapshot written before the log existed reads as a state with an empty log, and an older build reading a
/// new snapshot ignores the extra property. The log is rewritten every turn, so it is kept small: a request id of 32
/// lowercase hex digits (a protocol id) is stored as <c>~</c> and its 16 bytes in base64url (23 characters, not 32), an id
/// that starts with <c>~</c> with one more <c>~</c> in front. Snapshots of the previous form (<c>oam_turns</c>:
/// <c>[{"id": "…", "reply": …}, …]</c>) still read.
/// Pending reminders (<see cref="AgentContext.RemindAsync"/>) ride the same way in <c>oam_reminders</c>, by name:
/// <c>{"id": "…", "due_at": "…", "payload": …}</c>.
/// Agents with a <see cref="AgentAttribute.StateTtl"/> also store the time of the last turn in <c>oam_last_turn</c>.
/// A state that is not a JSON object is wrapped as <c>{"oam_state": …, "oam_log": […]}</c>.
/// </remarks>
[JsonConverter(typeof(ConversationSnapshotConverterFactory))]
internal sealed class ConversationSnapshot<TState>
    where TState : class, new()
{
    public TState State { get; set; } = new();

    /// <summary>The last turns, oldest first, in their stored form.</summary>
    internal TurnLog Log { get; private set; } = new();

    /// <summary>
    /// The last turns, oldest first: what a grain storage serializer other than this type's JSON converter (Orleans'
    /// memory storage) writes and reads back.
    /// </summary>
    public IReadOnlyList<TurnRecord> Turns
    {
        get => Log.Turns;
        set
        {
            Log = new TurnLog();
            foreach (var turn in value ?? [])
            {
                Log.Add(turn);
            }
        }
    }

    /// <summary>The conversation's pending reminders by name: what each one's turn receives once it fires.</summary>
    public Dictionary<string, PendingReminder> Reminders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When the last turn wrote this snapshot (UTC); set only for agents with a <see cref="AgentAttribute.StateTtl"/>.</summary>
    public DateTimeOffset? LastTurn { get; set; }
}

/// <summary>One logged turn: the caller's request id and the output JSON it was answered with.</summary>
internal sealed record TurnRecord(string RequestId, byte[] Reply);

/// <summary>A reminder set by <see cref="AgentContext.RemindAsync"/>: its registration id (the request id of its turn), when it is due and its payload JSON.</summary>
internal sealed record PendingReminder(string Id, DateTimeOffset DueAt, byte[] Payload);

internal sealed class ConversationSnapshotConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ConversationSnapshot<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(ConversationSnapshotConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;
}

internal sealed class ConversationSnapshotConverter<TState> : JsonConverter<ConversationSnapshot<TState>>
    where TState : class, new()
{
    private const string LogProperty = "oam_log";
    private const string TurnsProperty = "oam_turns"; // the log's previous form, still read
    private const string StateProperty = "oam_state";
    private const string RemindersProperty = "oam_reminders";
    private const string LastTurnProperty = Expiry.ConversationExpiry.LastTurnProperty;

    public override ConversationSnapshot<TState> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var snapshot = new ConversationSnapshot<TState>();
        var isObject = root.ValueKind == JsonValueKind.Object;
        var hasLog = isObject && root.TryGetProperty(LogProperty, out _);
        var hasTurns = isObject && root.TryGetProperty(TurnsProperty, out _);
        var hasReminders = isObject && root.TryGetProperty(RemindersProperty, out _);
        var lastTurn = isObject && root.TryGetProperty(LastTurnProperty, out var last) ? last : (JsonElement?)null;
        if (!hasLog && !hasTurns && !hasReminders && lastTurn is null)
        {
            // Written before the turn log existed (or with an empty log and no reminders): the whole document is the state.
            snapshot.State = root.Deserialize<TState>(options) ?? new TState();
            return snapshot;
        }

        var own = (hasLog ? 1 : 0) + (hasTurns ? 1 : 0) + (hasReminders ? 1 : 0) + (lastTurn is null ? 0 : 1);
        if (root.TryGetProperty(StateProperty, out var wrapped) && root.EnumerateObject().Count() == own + 1)
        {
            snapshot.State = wrapped.Deserialize<TState>(options) ?? new TState();
        }
        else
        {
            var state = JsonObject.Create(root)!;
            state.Remove(LogProperty);
            state.Remove(TurnsProperty);
            state.Remove(RemindersProperty);
            state.Remove(LastTurnProperty);
            snapshot.State = state.Deserialize<TState>(options) ?? new TState();
        }

        if (lastTurn is { } time)
        {
            snapshot.LastTurn = time.ValueKind == JsonValueKind.String && time.TryGetDateTimeOffset(out var at)
                ? at
                : throw new JsonException($"'{LastTurnProperty}' of a stored conversation must be a date, was {time.ValueKind}.");
        }

        if (hasReminders)
        {
            ReadReminders(root.GetProperty(RemindersProperty), snapshot.Reminders);
        }

        if (hasTurns)
        {
            foreach (var turn in Entries(root, TurnsProperty))
            {
                if (turn.ValueKind != JsonValueKind.Object
                    || !turn.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                    || !turn.TryGetProperty("reply", out var reply))
                {
                    throw new JsonException($"An entry of '{TurnsProperty}' of a stored conversation needs a string 'id' and a 'reply'.");
                }

                snapshot.Log.Add(new TurnRecord(id.GetString()!, System.Text.Encoding.UTF8.GetBytes(reply.GetRawText())));
            }
        }

        if (hasLog)
        {
            foreach (var turn in Entries(root, LogProperty))
            {
                if (turn.ValueKind != JsonValueKind.Array || turn.GetArrayLength() != 2 || turn[0].ValueKind != JsonValueKind.String)
                {
                    throw new JsonException($"An entry of '{LogProperty}' of a stored conversation must be [\"request id\", reply].");
                }

                snapshot.Log.Add(new TurnRecord(StoredIds.Decode(turn[0].GetString()!), System.Text.Encoding.UTF8.GetBytes(turn[1].GetRawText())));
            }
        }

        return snapshot;
    }

    private static JsonElement.ArrayEnumerator Entries(JsonElement root, string property)
    {
        var log = root.GetProperty(property);
        return log.ValueKind == JsonValueKind.Array
            ? log.EnumerateArray()
            : throw new JsonException($"'{property}' of a stored conversation must be an array, was {log.ValueKind}.");
    }

    private static void ReadReminders(JsonElement reminders, Dictionary<string, PendingReminder> into)
    {
        if (reminders.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"'{RemindersProperty}' of a stored conversation must be an object, was {reminders.ValueKind}.");
        }

        foreach (var reminder in reminders.EnumerateObject())
        {
            var value = reminder.Value;
            if (value.ValueKind != JsonValueKind.Object
                || !value.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                || !value.TryGetProperty("due_at", out var due) || !due.TryGetDateTimeOffset(out var dueAt))
            {
                throw new JsonException($"Reminder '{reminder.Name}' of a stored conversation needs a string 'id' and a date 'due_at'.");
            }

            var payload = value.TryGetProperty("payload", out var p) ? System.Text.Encoding.UTF8.GetBytes(p.GetRawText()) : "null"u8.ToArray();
            into[reminder.Name] = new PendingReminder(id.GetString()!, dueAt, payload);
        }
    }

    public override void Write(Utf8JsonWriter writer, ConversationSnapshot<TState> value, JsonSerializerOptions options)
    {
        if (value.Log.Count == 0 && value.Reminders.Count == 0 && value.LastTurn is null)
        {
            // Byte for byte what a build without the turn log writes.
            JsonSerializer.Serialize(writer, value.State, options);
            return;
        }

        // Written every turn: the state's own properties are copied as raw JSON, not through a JsonDocument.
        var state = JsonSerializer.SerializeToUtf8Bytes(value.State, options);
        var reader = new Utf8JsonReader(state);
        reader.Read();
        writer.WriteStartObject();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped)
                {
                    writer.WritePropertyName(reader.GetString()!);
                }
                else
                {
                    writer.WritePropertyName(reader.ValueSpan); // no string per property per turn
                }
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                writer.WriteRawValue(state.AsSpan(start, (int)reader.BytesConsumed - start), skipInputValidation: true);
            }
        }
        else
        {
            writer.WritePropertyName(StateProperty);
            writer.WriteRawValue(state, skipInputValidation: true);
        }

        if (value.LastTurn is { } lastTurn)
        {
            writer.WriteString(LastTurnProperty, lastTurn);
        }

        if (value.Reminders.Count > 0)
        {
            writer.WriteStartObject(RemindersProperty);
            foreach (var (name, reminder) in value.Reminders)
            {
                writer.WriteStartObject(name);
                writer.WriteString("id", reminder.Id);
                writer.WriteString("due_at", reminder.DueAt);
                writer.WritePropertyName("payload");
                writer.WriteRawValue(reminder.Payload, skipInputValidation: true);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        if (value.Log.Count > 0)
        {
            writer.WritePropertyName(LogProperty);
            value.Log.WriteTo(writer);
        }

        writer.WriteEndObject();
    }
}
