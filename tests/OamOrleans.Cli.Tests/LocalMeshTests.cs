using System.Net;
using System.Net.Sockets;
using OamOrleans.Testing;

namespace OamOrleans.Cli.Tests;

/// <summary><c>oam mesh up</c> / <c>down</c> on a free port, with <c>OAM_HOME</c> in a temp folder (never the user's ~/.agentmesh).</summary>
[Trait("Category", "Integration")]
public sealed class LocalMeshTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("oam-home-").FullName;
    private readonly string _work = Directory.CreateTempSubdirectory("oam-work-").FullName;

    private Dictionary<string, string> Env => new() { ["OAM_HOME"] = _home };

    private string RunDir => Path.Combine(_home, "run");

    private Task<OamResult> Oam(params string[] args) => OamTool.RunAsync(args, cwd: _work, env: Env);

    [Fact]
    public async Task Up_primes_the_mesh_writes_oam_url_and_refuses_a_second_start_then_down_stops_it()
    {
        var port = FreePortPair();
        var up = await Oam("mesh", "up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains($"NATS listening on nats://127.0.0.1:{port}", up.Stdout, StringComparison.Ordinal);
            Assert.Contains("mesh-catalog, mesh-registry, mesh-instances, mesh-observability, mesh-context, mesh-artifacts", up.Stdout, StringComparison.Ordinal);
            Assert.Equal($"nats://127.0.0.1:{port}\n", await File.ReadAllTextAsync(Path.Combine(_work, ".oam-url")));
            var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(RunDir, "oam-mesh.pid")), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(pid > 0);
            var config = Path.Combine(RunDir, "nats.conf");
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
            }

            var conf = await File.ReadAllTextAsync(config);
            Assert.Contains("no_auth_user: \"oam-app\"", conf, StringComparison.Ordinal);
            Assert.Contains("system_account: SYS", conf, StringComparison.Ordinal);
            Assert.Contains($"port: {port + 1}", conf, StringComparison.Ordinal);

            // A recorded live mesh is never started twice.
            var again = await Oam("mesh", "up", "--port", (port + 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1, again.ExitCode);
            Assert.Contains($"Mesh already running (pid {pid})", again.Stderr, StringComparison.Ordinal);

            // Later commands in this folder find the mesh through .oam-url (no --url, no OAM_URL).
            var catalog = await Oam("mesh", "catalog");
            Assert.True(catalog.ExitCode == 0, catalog.ToString());
            Assert.StartsWith("NAME  STREAMING  DESCRIPTION", catalog.Stdout, StringComparison.Ordinal);
            var put = await Oam("kv", "put", "tour.greeting", "hello mesh");
            Assert.True(put.ExitCode == 0, put.ToString());
            var get = await Oam("kv", "get", "tour.greeting");
            Assert.Equal("hello mesh\n", get.Stdout);

            // The buckets were primed by `up` itself.
            var url = $"nats://127.0.0.1:{port}";
            await using (var nats = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = url }))
            {
                var kv = new NATS.Client.KeyValueStore.NatsKVContext(new NATS.Client.JetStream.NatsJSContext(nats));
                foreach (var bucket in new[] { "mesh-catalog", "mesh-registry", "mesh-instances", "mesh-observability", "mesh-context" })
                {
                    Assert.Equal(bucket, (await kv.GetStoreAsync(bucket)).Bucket);
                }
            }

            // The companion health monitor (SYS account) cleans up after a host that vanishes without deregistering.
            Assert.True(File.Exists(Path.Combine(RunDir, "oam-monitor.pid")));
            var instance = OamOrleans.Protocol.MeshIds.New();
            var agent = "crash.victim" + instance[..6];
            var host = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = url, Name = OamOrleans.Protocol.MeshSubjects.ConnectionName(instance) });
            await host.ConnectAsync();
            var registry = await OamOrleans.Client.MeshRegistry.OpenAsync(host);
            await registry.RegisterAsync(new OamOrleans.Protocol.AgentContract { Name = agent, Description = "Dies.", RegisteredAt = OamOrleans.Protocol.MeshIds.Now() });
            await registry.PutInstanceAsync(instance, [agent]);
            Assert.Contains(agent, (await Oam("mesh", "catalog")).Stdout, StringComparison.Ordinal);
            await host.DisposeAsync();
            await Poll.UntilAsync(
                async () => !(await Oam("mesh", "catalog")).Stdout.Contains(agent, StringComparison.Ordinal),
                $"oam mesh catalog no longer lists the crashed host's {agent}",
                TimeSpan.FromSeconds(30),
                interval: TimeSpan.FromMilliseconds(250));
        }
        finally
        {
            var down = await Oam("mesh", "down");
            Assert.True(down.ExitCode == 0, down.ToString());
            Assert.Contains("Stopped mesh", down.Stdout, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(RunDir, "oam-mesh.pid")));
        Assert.False(File.Exists(Path.Combine(RunDir, "oam-monitor.pid")));
        Assert.False(PortOpen(port));
        var downAgain = await Oam("mesh", "down");
        Assert.Equal(1, downAgain.ExitCode);
        Assert.Contains("No running mesh recorded.", downAgain.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_refuses_a_port_in_use()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var up = await Oam("mesh", "up", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, up.ExitCode);
        Assert.Contains($"Port {port} is already in use", up.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(RunDir, "oam-mesh.pid")));
        Assert.False(File.Exists(Path.Combine(_work, ".oam-url")));
    }

    [Fact]
    public async Task Connect_writes_oam_url_bare_or_toml()
    {
        var bare = await Oam("mesh", "connect", "nats://mesh.example:4222");
        Assert.True(bare.ExitCode == 0, bare.ToString());
        Assert.Equal("nats://mesh.example:4222\n", await File.ReadAllTextAsync(Path.Combine(_work, ".oam-url")));

        var toml = await Oam("mesh", "connect", "nats://mesh.example:4222", "--creds", "me.creds");
        Assert.True(toml.ExitCode == 0, toml.ToString());
        Assert.Equal("url = \"nats://mesh.example:4222\"\ncreds = \"me.creds\"\n", await File.ReadAllTextAsync(Path.Combine(_work, ".oam-url")));
    }

    internal static int FreePortPair()
    {
        for (var i = 0; i < 50; i++)
        {
            var port = NatsServer.FreePort();
            if (port < 65000 && !PortOpen(port + 1))
            {
                try
                {
                    var probe = new TcpListener(IPAddress.Any, port + 1);
                    probe.Start();
                    probe.Stop();
                    return port;
                }
                catch (SocketException)
                {
                }
            }
        }

        throw new InvalidOperationException("no free port pair");
    }

    private static bool PortOpen(int port)
    {
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync(IPAddress.Loopback, port).Wait(TimeSpan.FromMilliseconds(500));
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var dir in new[] { _home, _work })
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
