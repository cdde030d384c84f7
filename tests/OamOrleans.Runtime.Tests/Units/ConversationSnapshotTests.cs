using System.Text.Json;

namespace OamOrleans.Runtime.Tests.Units;

/// <summary>How a conversation's pending reminders ride in its stored snapshot (<c>oam_reminders</c>) beside the state and the turn log.</summary>
public sealed class ConversationSnapshotTests
{
    public sealed class Chat
    {
        public int Count { get; set; }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Pending_reminders_round_trip_with_the_state_and_the_turn_log()
    {
        var due = new DateTimeOffset(2026, 12, 5, 7, 0, 0, TimeSpan.Zero);
        var snapshot = new ConversationSnapshot<Chat> { State = new Chat { Count = 3 } };
        snapshot.Reminders["follow-up"] = new PendingReminder("r1", due, """{"question":"why?"}"""u8.ToArray());
        snapshot.Record(new TurnRecord("q1", """{"ok":true}"""u8.ToArray()), 4);

        var json = JsonSerializer.Serialize(snapshot, Json);
        var read = JsonSerializer.Deserialize<ConversationSnapshot<Chat>>(json, Json)!;

        using var document = JsonDocument.Parse(json);
        Assert.Equal(3, document.RootElement.GetProperty("count").GetInt32());
        Assert.Equal("r1", document.RootElement.GetProperty("oam_reminders").GetProperty("follow-up").GetProperty("id").GetString());
        Assert.Equal(3, read.State.Count);
        var reminder = read.Reminders["follow-up"];
        Assert.Equal(due, reminder.DueAt);
        Assert.Equal("""{"question":"why?"}""", System.Text.Encoding.UTF8.GetString(reminder.Payload));
        Assert.Equal("q1", Assert.Single(read.Turns).RequestId);
    }

    [Fact]
    public void Reminders_without_a_turn_log_still_read_back_and_no_reminders_write_the_bare_state()
    {
        var snapshot = new ConversationSnapshot<Chat> { State = new Chat { Count = 1 } };
        Assert.Equal("""{"count":1}""", JsonSerializer.Serialize(snapshot, Json)); // what a build without reminders writes

        snapshot.Reminders["x"] = new PendingReminder("r2", DateTimeOffset.UnixEpoch, "{}"u8.ToArray());
        var read = JsonSerializer.Deserialize<ConversationSnapshot<Chat>>(JsonSerializer.Serialize(snapshot, Json), Json)!;

        Assert.Equal(1, read.State.Count);
        Assert.Equal("r2", read.Reminders["x"].Id);
        Assert.Empty(read.Turns);
    }

    [Fact]
    public void A_malformed_reminder_entry_is_a_clear_json_error()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ConversationSnapshot<Chat>>("""{"count":1,"oam_reminders":{"x":{"id":5}}}""", Json));

        Assert.Contains("Reminder 'x'", error.Message, StringComparison.Ordinal);
    }
}
