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
        snapshot.Log.Record(new TurnRecord("q1", """{"ok":true}"""u8.ToArray()), 4);

        var json = JsonSerializer.Serialize(snapshot, Json);
        var read = JsonSerializer.Deserialize<ConversationSnapshot<Chat>>(json, Json)!;

        using var document = JsonDocument.Parse(json);
        Assert.Equal(3, document.RootElement.GetProperty("count").GetInt32());
        Assert.Equal("r1", document.RootElement.GetProperty("oam_reminders").GetProperty("follow-up").GetProperty("id").GetString());
        Assert.Equal(3, read.State.Count);
        var reminder = read.Reminders["follow-up"];
        Assert.Equal(due, reminder.DueAt);
        Assert.Equal("""{"question":"why?"}""", System.Text.Encoding.UTF8.GetString(reminder.Payload));
        Assert.Equal("q1", Assert.Single(read.Log.Turns).RequestId);
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
        Assert.Empty(read.Log.Turns);
    }

    [Fact]
    public void A_malformed_reminder_entry_is_a_clear_json_error()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ConversationSnapshot<Chat>>("""{"count":1,"oam_reminders":{"x":{"id":5}}}""", Json));

        Assert.Contains("Reminder 'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_turn_log_is_stored_as_id_reply_pairs_with_protocol_ids_in_23_characters()
    {
        var snapshot = new ConversationSnapshot<Chat> { State = new Chat { Count = 2 } };
        snapshot.Log.Record(new TurnRecord("2bb41773f9dc49b59bebafd29b593626", """{"n":1}"""u8.ToArray()), 4);
        snapshot.Log.Record(new TurnRecord("my-id", """{"n":2}"""u8.ToArray()), 4);

        Assert.Equal("""{"count":2,"oam_log":[["~K7QXc_ncSbWb66_Sm1k2Jg",{"n":1}],["my-id",{"n":2}]]}""", JsonSerializer.Serialize(snapshot, Json));
    }

    [Theory]
    [InlineData("2bb41773f9dc49b59bebafd29b593626")] // a protocol id: stored compact
    [InlineData("2BB41773F9DC49B59BEBAFD29B593626")] // upper case hex: stored as it is, read back as it is
    [InlineData("2bb41773-f9dc-49b5-9beb-afd29b593626")]
    [InlineData("~K7QXc_ncSbWb66_Sm1k2Jg")] // looks like a stored compact id: must not read back as the hex one
    [InlineData("~")]
    [InlineData("x")]
    [InlineData("a \"quoted\" id, é")] // escaped in the stored JSON
    public void Every_request_id_reads_back_as_itself_and_matches_only_itself(string requestId)
    {
        var snapshot = new ConversationSnapshot<Chat>();
        snapshot.Log.Record(new TurnRecord(requestId, "1"u8.ToArray()), 4);
        snapshot.Log.Record(new TurnRecord("2bb41773f9dc49b59bebafd29b593627", "2"u8.ToArray()), 4);

        var read = JsonSerializer.Deserialize<ConversationSnapshot<Chat>>(JsonSerializer.Serialize(snapshot, Json), Json)!;

        Assert.Equal([requestId, "2bb41773f9dc49b59bebafd29b593627"], read.Log.Turns.Select(t => t.RequestId));
        Assert.Equal("1"u8.ToArray(), read.Log.ReplyTo(requestId));
    }

    [Fact]
    public void The_log_keeps_only_the_last_turns_in_its_stored_form()
    {
        var snapshot = new ConversationSnapshot<Chat>();
        for (var i = 0; i < 20; i++)
        {
            snapshot.Log.Record(new TurnRecord("id" + i, System.Text.Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))), 4);
        }

        Assert.Equal("""{"count":0,"oam_log":[["id16",16],["id17",17],["id18",18],["id19",19]]}""", JsonSerializer.Serialize(snapshot, Json));
        Assert.Null(snapshot.Log.ReplyTo("id15"));
        Assert.Equal("19"u8.ToArray(), snapshot.Log.ReplyTo("id19"));
    }

    [Fact]
    public void A_snapshot_with_the_previous_log_form_reads_its_turns_and_is_rewritten_in_the_compact_form()
    {
        const string Previous = """{"count":5,"oam_turns":[{"id":"2bb41773f9dc49b59bebafd29b593626","reply":{"n":1}},{"id":"q2","reply":"two"}]}""";

        var read = JsonSerializer.Deserialize<ConversationSnapshot<Chat>>(Previous, Json)!;

        Assert.Equal(5, read.State.Count);
        Assert.Equal("""{"n":1}""", System.Text.Encoding.UTF8.GetString(read.Log.ReplyTo("2bb41773f9dc49b59bebafd29b593626")!));
        Assert.Equal("\"two\"", System.Text.Encoding.UTF8.GetString(read.Log.ReplyTo("q2")!));
        Assert.Equal("""{"count":5,"oam_log":[["~K7QXc_ncSbWb66_Sm1k2Jg",{"n":1}],["q2","two"]]}""", JsonSerializer.Serialize(read, Json));
    }

    [Theory]
    [InlineData("""{"count":1,"oam_log":{"a":1}}""", "'oam_log' of a stored conversation must be an array")]
    [InlineData("""{"count":1,"oam_log":[["a"]]}""", "must be [\"request id\", reply]")]
    [InlineData("""{"count":1,"oam_log":[["~abc",1]]}""", "is not a request id this build wrote")]
    public void A_malformed_log_is_a_clear_json_error(string stored, string message)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ConversationSnapshot<Chat>>(stored, Json));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
