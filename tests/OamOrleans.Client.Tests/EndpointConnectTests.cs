using NATS.Client.Core;
using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>
/// <see cref="MeshEndpoint.ConnectAsync"/>: the one public way hosts, the CLI and tools open a connection from an endpoint,
/// against a real nats-server; and the inbox-prefix record next to a creds file.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EndpointConnectTests
{
    [Fact]
    public async Task ConnectAsync_with_a_wait_connects_once_a_late_server_comes_up()
    {
        var port = NatsServer.FreePort();
        var endpoint = new MeshEndpoint($"nats://127.0.0.1:{port}", null);

        var connecting = endpoint.ConnectAsync("late-server-test", waitFor: TimeSpan.FromSeconds(60));
        Assert.False(connecting.IsCompleted);
        await using var server = await NatsServer.StartAsync(port: port);
        await using var connection = await connecting;

        Assert.Equal(NatsConnectionState.Open, connection.ConnectionState);
        Assert.Equal("late-server-test", connection.Opts.Name);
        Assert.Equal(System.Threading.Channels.BoundedChannelFullMode.Wait, connection.Opts.SubPendingChannelFullMode);
    }

    [Fact]
    public async Task ConnectAsync_without_a_wait_fails_once_naming_the_url_without_its_password()
    {
        var endpoint = new MeshEndpoint($"nats://bob:secret@127.0.0.1:{NatsServer.FreePort()}", null);

        var e = await Assert.ThrowsAsync<ConnectionFailedException>(() => endpoint.ConnectAsync());

        Assert.Contains("Cannot connect to the mesh at nats://***@127.0.0.1:", e.Message, StringComparison.Ordinal);
        Assert.Contains("user 'bob' with the password in the URL", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_with_a_wait_gives_up_after_it_with_MeshUnavailableException()
    {
        var endpoint = new MeshEndpoint($"nats://127.0.0.1:{NatsServer.FreePort()}", null);

        var e = await Assert.ThrowsAsync<MeshUnavailableException>(() => endpoint.ConnectAsync(waitFor: TimeSpan.FromMilliseconds(300)));

        Assert.Contains("did not accept a connection within 0.3 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteInboxFile_records_the_prefix_that_Resolve_reads_and_refuses_a_bad_one()
    {
        var dir = Directory.CreateTempSubdirectory("oam-inbox-");
        try
        {
            var creds = Path.Combine(dir.FullName, "alice.creds");
            MeshEndpoint.WriteInboxFile(creds, "_INBOX_PRIVATE.alice");

            Assert.Equal(Path.Combine(dir.FullName, "alice.inbox"), MeshEndpoint.InboxFileFor(creds));
            Assert.Equal("_INBOX_PRIVATE.alice", MeshEndpoint.Resolve("nats://127.0.0.1:4222", creds).InboxPrefix);
            Assert.Throws<ArgumentException>(() => MeshEndpoint.WriteInboxFile(creds, "bad prefix"));

            MeshEndpoint.WriteInboxFile(creds, null);
            Assert.False(File.Exists(MeshEndpoint.InboxFileFor(creds)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Redact_hides_every_url_credential_in_a_text()
    {
        Assert.Equal("a nats://***@h:1, tls://***@h:2 b", MeshEndpoint.Redact("a nats://u:p@h:1, tls://tok@h:2 b"));
    }
}
