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
/// Stored as the state's own JSON object with one more property, <c>oam_turns</c>, so a snapshot written before the log
/// existed reads as a state with an empty log, and an older build reading a new snapshot ignores the extra property.
/// A state that is not a JSON object is wrapped as <c>{"oam_state": …, "oam_turns": […]}</c>.
/// </remarks>
[JsonConverter(typeof(ConversationSnapshotConverterFactory))]
internal sealed class ConversationSnapshot<TState>
    where TState : class, new()
{
    public TState State { get; set; } = new();

    /// <summary>The last turns, oldest first.</summary>
    public List<TurnRecord> Turns { get; set; } = [];

    /// <summary>The stored reply to <paramref name="requestId"/>, if that turn is in the log.</summary>
    public byte[]? ReplyTo(string requestId)
    {
        for (var i = Turns.Count - 1; i >= 0; i--)
        {
            if (Turns[i].RequestId == requestId)
            {
                return Turns[i].Reply;
            }
        }

        return null;
    }

    /// <summary>Adds a turn, dropping the oldest beyond <paramref name="size"/>.</summary>
    public void Record(TurnRecord turn, int size)
    {
        Turns.Add(turn);
        if (Turns.Count > size)
        {
            Turns.RemoveRange(0, Turns.Count - size);
        }
    }
}

/// <summary>One logged turn: the caller's request id and the output JSON it was answered with.</summary>
internal sealed record TurnRecord(string RequestId, byte[] Reply);

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
    private const string TurnsProperty = "oam_turns";
    private const string StateProperty = "oam_state";

    public override ConversationSnapshot<TState> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var snapshot = new ConversationSnapshot<TState>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(TurnsProperty, out var turns))
        {
            // Written before the turn log existed (or with an empty log): the whole document is the state.
            snapshot.State = root.Deserialize<TState>(options) ?? new TState();
            return snapshot;
        }

        if (root.TryGetProperty(StateProperty, out var wrapped) && root.EnumerateObject().Count() == 2)
        {
            snapshot.State = wrapped.Deserialize<TState>(options) ?? new TState();
        }
        else
        {
            var state = JsonObject.Create(root)!;
            state.Remove(TurnsProperty);
            snapshot.State = state.Deserialize<TState>(options) ?? new TState();
        }

        if (turns.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException($"'{TurnsProperty}' of a stored conversation must be an array, was {turns.ValueKind}.");
        }

        foreach (var turn in turns.EnumerateArray())
        {
            if (turn.ValueKind != JsonValueKind.Object
                || !turn.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                || !turn.TryGetProperty("reply", out var reply))
            {
                throw new JsonException($"An entry of '{TurnsProperty}' of a stored conversation needs a string 'id' and a 'reply'.");
            }

            snapshot.Turns.Add(new TurnRecord(id.GetString()!, System.Text.Encoding.UTF8.GetBytes(reply.GetRawText())));
        }

        return snapshot;
    }

    public override void Write(Utf8JsonWriter writer, ConversationSnapshot<TState> value, JsonSerializerOptions options)
    {
        if (value.Turns.Count == 0)
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
                writer.WritePropertyName(reader.GetString()!);
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

        writer.WriteStartArray(TurnsProperty);
        foreach (var turn in value.Turns)
        {
            writer.WriteStartObject();
            writer.WriteString("id", turn.RequestId);
            writer.WritePropertyName("reply");
            writer.WriteRawValue(turn.Reply, skipInputValidation: true);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
