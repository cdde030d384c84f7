using System.Text.Json.Nodes;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using OamOrleans.Testing;

namespace OamOrleans.Cli.Tests;

/// <summary>The CLI's mesh with conversation state and reminders in NATS (what <c>oam conversation</c> reads).</summary>
public sealed class NatsStateMeshFixture : MeshFixture
{
    protected override Task<TestSilo> StartSiloAsync(string natsUrl) => TestSilo.StartAsync(
        natsUrl,
        configure: o => o.DrainTimeout = TimeSpan.FromSeconds(5),
        agents: silo => silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly),
        storage: silo =>
        {
            silo.AddNatsGrainStorage(MeshHostOptions.DefaultStateStorageName, natsUrl);
            silo.UseNatsReminderService(natsUrl);
        });
}

/// <summary><c>oam conversation list/show/delete</c> and <c>oam agent reminders</c> against conversations a real silo stored in NATS.</summary>
[Trait("Category", "Integration")]
public sealed class ConversationCommandTests(NatsStateMeshFixture mesh) : IClassFixture<NatsStateMeshFixture>
{
    // TestSilo keeps Orleans' default service id; oam-silo's is "oam" (the option's default).
    private static readonly string[] Store = ["--service-id", "default"];

    private Task<OamResult> Oam(params string[] args) => mesh.Oam([.. args, .. Store]);

    [Fact]
    public async Task List_show_and_delete_a_stored_conversation()
    {
        var conversation = "cli-conv-" + Guid.NewGuid().ToString("N");
        await mesh.Oam("agent", "call", "demo.counter", "{}", "--conversation", conversation);
        await mesh.Oam("agent", "call", "demo.counter", "{}", "--conversation", conversation);

        var list = await Oam("conversation", "list", "demo.counter", "--json", "--all");
        Assert.True(list.ExitCode == 0, list.ToString());
        var item = JsonNode.Parse(list.Stdout)!["items"]!.AsArray().Single(i => i!["conversation"]!.GetValue<string>() == conversation)!;
        Assert.True(item["state_bytes"]!.GetValue<int>() > 0);
        Assert.NotNull(item["last_turn"]);

        var text = await Oam("conversation", "list", "demo.counter");
        Assert.Contains("CONVERSATION", text.Stdout, StringComparison.Ordinal);
        Assert.Contains(conversation, text.Stdout, StringComparison.Ordinal);

        var show = await Oam("conversation", "show", "demo.counter", conversation);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Equal(2, JsonNode.Parse(show.Stdout)!["state"]!["turns"]!.GetValue<int>());

        var delete = await Oam("conversation", "delete", "demo.counter", conversation);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        var gone = await Oam("conversation", "show", "demo.counter", conversation);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("no stored conversation", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_reminders_lists_a_conversations_pending_reminders()
    {
        var conversation = "cli-remind-" + Guid.NewGuid().ToString("N");
        var set = await mesh.Oam("agent", "call", "demo.reminder", """{"message": "water the plants", "seconds": 3600}""", "--conversation", conversation);
        Assert.True(set.ExitCode == 0, set.ToString());

        var one = await Oam("agent", "reminders", "demo.reminder", "--conversation", conversation, "--json");
        var all = await Oam("agent", "reminders", "demo.reminder");

        Assert.True(one.ExitCode == 0, one.ToString());
        var reminder = Assert.Single(JsonNode.Parse(one.Stdout)!.AsArray())!;
        Assert.Equal("remind-1", reminder["name"]!.GetValue<string>());
        Assert.Equal(conversation, reminder["conversation"]!.GetValue<string>());
        Assert.Equal("water the plants", reminder["payload"]!["message"]!.GetValue<string>());
        Assert.Contains(conversation, all.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_are_usage_errors_with_a_clear_message()
    {
        var limit = await Oam("conversation", "list", "demo.counter", "--limit", "0");
        var name = await Oam("conversation", "list", "not a name");

        Assert.Equal(2, limit.ExitCode);
        Assert.Contains("--limit must be between 1 and 1000", limit.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, name.ExitCode);
        Assert.Contains("AGENT", name.Stderr, StringComparison.Ordinal);
    }
}
