using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>
/// The three ways a connection to the mesh is opened (<see cref="MeshEndpoint.ConnectAsync"/> with one attempt,
/// <see cref="MeshClient.ConnectAsync"/>, and a client from <c>AddMeshClient</c> on its first operation) fail alike:
/// refused credentials as <see cref="ConnectionDeniedException"/>, a server that cannot be reached as
/// <see cref="ConnectionFailedException"/>, both naming the URL without its secret.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConnectFailureTests
{
    public enum Opener
    {
        Endpoint,
        Client,
        DeferredClient,
    }

    [Theory]
    [InlineData(Opener.Endpoint)]
    [InlineData(Opener.Client)]
    [InlineData(Opener.DeferredClient)]
    public async Task Refused_credentials_raise_ConnectionDenied_naming_the_credential_not_its_secret(Opener opener)
    {
        await using var server = await NatsServer.StartAsync(
            extraConfig: "authorization { user: alice, password: right-pw }",
            clientOpts: o => o with { AuthOpts = NatsAuthOpts.Default with { Username = "alice", Password = "right-pw" } });
        var url = server.Url.Replace("nats://", "nats://alice:wrong-pw@", StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<ConnectionDeniedException>(() => OpenAsync(opener, url));

        Assert.Equal(MeshErrorCodes.ConnectionDenied, e.Code);
        Assert.Contains("refused the connection (credentials: user 'alice' with the password in the URL)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-pw", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Opener.Endpoint)]
    [InlineData(Opener.Client)]
    [InlineData(Opener.DeferredClient)]
    public async Task A_listener_that_never_speaks_NATS_raises_ConnectionFailed_naming_the_url_not_its_secret(Opener opener)
    {
        // Accepts TCP connections and says nothing: the NATS handshake times out.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            while (await silent.AcceptSocketAsync() is { } socket)
            {
                held.Add(socket);
            }
        });
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var e = await Assert.ThrowsAsync<ConnectionFailedException>(() => OpenAsync(opener, $"nats://bob:s3cret@127.0.0.1:{port}"));

        Assert.Equal(MeshErrorCodes.ConnectionFailed, e.Code);
        Assert.StartsWith($"Cannot connect to the mesh at nats://***@127.0.0.1:{port} (credentials: user 'bob' with the password in the URL)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal);
        silent.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => accepting);
        held.ForEach(s => s.Dispose());
    }

    private static async Task OpenAsync(Opener opener, string url)
    {
        var options = new MeshClientOptions { ConnectTimeout = TimeSpan.FromSeconds(1) };
        switch (opener)
        {
            case Opener.Endpoint:
                await using (await new MeshEndpoint(url, null).ConnectAsync())
                {
                }

                break;
            case Opener.Client:
                await using (await MeshClient.ConnectAsync(url, options))
                {
                }

                break;
            default:
                await using (var client = MeshClient.CreateDeferred(options with { Endpoint = new MeshEndpoint(url, null) }))
                {
                    await client.CallRawAsync("demo.echo", "{}"u8.ToArray());
                }

                break;
        }
    }
}
