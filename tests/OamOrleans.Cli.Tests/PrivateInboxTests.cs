using OamOrleans.Client;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// Two invokers minted with <c>oam auth user add --private-inbox</c> on one mesh: each gets its replies on its own inbox
/// (the prefix recorded next to its creds, which <see cref="MeshClient"/> reads), and neither may read the other's.
/// </summary>
[Collection(SecuredMeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PrivateInboxTests(SecuredMeshFixture mesh)
{
    [Theory]
    [InlineData("alice")]
    [InlineData("bob")]
    public async Task A_private_inbox_invoker_calls_streams_and_sends_with_a_callback(string user)
    {
        await using var invoker = await mesh.ConnectAsync(user);
        Assert.Equal("Echo: " + user, (await invoker.CallAsync<EchoOut>("demo.echo", new EchoIn(user))).Reply);

        var words = new List<string>();
        await foreach (var delta in invoker.StreamAsync<Delta>("demo.words", new EchoIn("one two")))
        {
            words.Add(delta.Text.Trim());
        }

        Assert.Equal(["one", "two"], words);

        var callback = new TaskCompletionSource<MeshFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        await invoker.SendAsync("demo.echo", new EchoIn("by callback"), new SendOptions
        {
            OnReply = r =>
            {
                callback.TrySetResult(r);
                return ValueTask.CompletedTask;
            },
            OnError = e =>
            {
                callback.TrySetException(e);
                return ValueTask.CompletedTask;
            },
        });
        Assert.Equal("Echo: by callback", (await callback.Task.WaitAsync(TimeSpan.FromSeconds(20))).Deserialize<EchoOut>()!.Reply);
    }

    [Theory]
    [InlineData("alice", "_INBOX_PRIVATE.bob.>")]
    [InlineData("bob", "_INBOX_PRIVATE.alice.>")]
    [InlineData("alice", "_INBOX.>")]
    [InlineData("bob", "_INBOX_PRIVATE.>")]
    public async Task A_private_inbox_invoker_may_not_subscribe_to_another_inbox(string user, string subject)
    {
        await using var raw = await mesh.RawAsync(user);
        var violation = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        raw.ServerError += (_, e) =>
        {
            violation.TrySetResult(e.Error);
            return ValueTask.CompletedTask;
        };
        await using var sub = await raw.SubscribeCoreAsync<string>(subject);
        var error = await violation.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("Permissions Violation for Subscription", error, StringComparison.Ordinal);
        Assert.Contains(subject, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prefix_is_recorded_next_to_the_creds_and_in_users_json_and_whoami_shows_it()
    {
        Assert.Equal("_INBOX_PRIVATE.alice", (await File.ReadAllTextAsync(Path.ChangeExtension(mesh.Creds("alice"), ".inbox"))).Trim());
        Assert.Contains("\"inbox_prefix\": \"_INBOX_PRIVATE.alice\"", await File.ReadAllTextAsync(Path.Combine(mesh.AuthDir, "users.json")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.ChangeExtension(mesh.Creds("invoker"), ".inbox")));

        var whoami = await mesh.Oam("auth", "whoami", "--creds", mesh.Creds("alice"));
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        Assert.Contains("Inbox:      _INBOX_PRIVATE.alice (private)", whoami.Stdout, StringComparison.Ordinal);
        var shared = await mesh.Oam("auth", "whoami", "--creds", mesh.Creds("invoker"));
        Assert.Contains("Inbox:      _INBOX (shared)", shared.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_calls_as_a_private_inbox_invoker_with_only_its_creds()
    {
        var result = await mesh.Oam("agent", "call", "demo.echo", "{\"message\":\"cli\"}", "--creds", mesh.Creds("bob"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Echo: cli", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Private_inbox_is_refused_for_a_worker_with_a_clear_error()
    {
        var result = await mesh.Oam("auth", "user", "add", "w2", "--role", "worker", "--private-inbox", "--dir", mesh.AuthDir);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--private-inbox is for the roles invoker and observer, not worker", result.Stderr, StringComparison.Ordinal);
    }
}
