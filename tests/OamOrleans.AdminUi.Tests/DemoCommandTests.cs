using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace OamOrleans.AdminUi.Tests;

/// <summary><c>oam demo</c> with its output not on a terminal: it starts the sample silo, calls, prints, and stops everything.</summary>
[Trait("Category", "Integration")]
public sealed partial class DemoCommandTests
{
    [Fact]
    public async Task Demo_on_a_pipe_starts_a_mesh_prints_the_call_and_the_ui_then_stops_its_mesh()
    {
        var natsPort = NatsServer.FreePort();
        var (exit, output) = await OamProcess.RunAsync(
            ["demo"],
            env: new Dictionary<string, string>
            {
                ["OAM_SILO"] = OamSiloProcess.Dll(),
                ["OAM_NATS_PORT"] = natsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            timeout: TimeSpan.FromSeconds(150));

        Assert.True(exit == 0, output);
        Assert.Contains("demo.greet replied \"Hello, World\"", output, StringComparison.Ordinal);
        Assert.Matches(@"Admin UI running at http://127\.0\.0\.1:\d+", output);
        Assert.Contains("oam agent call demo.echo", output, StringComparison.Ordinal);
        Assert.Contains("Output is not a terminal: stopping the demo.", output, StringComparison.Ordinal);

        // Its mesh ran on the port it was given and is gone with it: nothing listens there any more.
        Assert.Equal(natsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), MeshUrl().Match(output).Groups[1].Value);
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", natsPort));
    }

    [GeneratedRegex(@"Mesh up at nats://127\.0\.0\.1:(\d+)")]
    private static partial Regex MeshUrl();
}
