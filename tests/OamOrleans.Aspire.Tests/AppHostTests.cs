using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using OamOrleans.Client;
using OamOrleans.Testing;

namespace OamOrleans.Aspire.Tests;

/// <summary>
/// The Aspire AppHost started by Aspire.Hosting.Testing (the real orchestrator): nats-server, two silos and the admin UI
/// come up, and an agent answers a mesh call on the AppHost's NATS.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AppHostTests
{
    private sealed record EchoOut(string Reply);

    [Fact]
    public async Task The_apphost_runs_nats_two_silos_and_the_ui_and_an_agent_answers()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var data = Directory.CreateTempSubdirectory("oam-apphost-").FullName;
        var nats = FreePort();
        var ui = FreePort();
        string[] args =
        [
            $"--OamAppHost:NatsPort={nats}",
            $"--OamAppHost:DataDir={data}",
            $"--OamAppHost:Silo1Port={FreePort()}", $"--OamAppHost:Silo2Port={FreePort()}",
            $"--OamAppHost:Gateway1Port={FreePort()}", $"--OamAppHost:Gateway2Port={FreePort()}",
            $"--OamAppHost:Http1Port={FreePort()}", $"--OamAppHost:Http2Port={FreePort()}",
            $"--OamAppHost:UiPort={ui}",
        ];
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.OamOrleans_AppHost>(args, cts.Token);
            await using var app = await builder.BuildAsync(cts.Token);
            await app.StartAsync(cts.Token);
            foreach (var resource in new[] { "nats", "silo1", "silo2", "ui" })
            {
                await app.ResourceNotifications.WaitForResourceAsync(resource, KnownResourceStates.Running, cts.Token);
            }

            await using var mesh = await MeshClient.ConnectAsync($"nats://127.0.0.1:{nats.ToString(CultureInfo.InvariantCulture)}", cancellationToken: cts.Token);
            EchoOut? reply = null;
            await Poll.UntilAsync(
                async () =>
                {
                    try
                    {
                        reply = await mesh.CallAsync<EchoOut>("demo.echo", new { message = "aspire" }, cancellationToken: cts.Token);
                        return true;
                    }
                    catch (MeshException)
                    {
                        return false;
                    }
                },
                "demo.echo answering on the AppHost's NATS", TimeSpan.FromMinutes(3));
            Assert.Equal("Echo: aspire", reply!.Reply);

            // The admin UI answers on its port.
            using var http = new HttpClient();
            var page = await http.GetAsync(new Uri($"http://127.0.0.1:{ui.ToString(CultureInfo.InvariantCulture)}/"), cts.Token);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
