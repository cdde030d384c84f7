using System.Diagnostics;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Net;
using Xunit.Abstractions;

namespace OamOrleans.Packaging.Tests;

/// <summary>
/// What a new team does, with real processes in a temp folder outside the repository: install the templates from the
/// packed feed, create a silo with <c>dotnet new oam-silo</c>, build it against the feed (package references only), run
/// it on a real nats-server, call its agents with a plain NATS client and with the <c>oam</c> tool installed from the
/// feed, and run the generated project's own tests.
/// </summary>
/// <remarks>
/// NuGet restores into a package folder of the test's own (<c>NUGET_PACKAGES</c>), with the machine's global folder as a
/// fallback for everything else, so the OamOrleans packages always come from this feed and never from a cache of an
/// earlier build with the same version. Templates go to a private hive (<c>--debug:custom-hive</c>), the tool to a
/// private tool path: nothing is installed for the user.
/// </remarks>
[Collection(PackageFeedCollection.Name)]
[Trait("Category", "Integration")]
public sealed class TemplateConsumerTests(PackageFeed feed, ITestOutputHelper output) : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("oam-consumer-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public async Task A_new_team_creates_builds_runs_calls_and_tests_a_silo_from_the_packages()
    {
        var clock = Stopwatch.StartNew();
        var version = Path.GetFileNameWithoutExtension(Directory.GetFiles(feed.Directory, "OamOrleans.Templates.*.nupkg").Single())["OamOrleans.Templates.".Length..];
        var hive = Path.Combine(_temp, "hive");
        var work = Path.Combine(_temp, "work");
        Directory.CreateDirectory(work);
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } g
            ? g
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="oam-feed" value="{feed.Directory}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{globalPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        var env = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(_temp, "nuget-packages"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            // The generated tests must not see this test run's own settings.
            ["OAM_PACKAGES"] = "",
        };
        var minutes = TimeSpan.FromMinutes(10);
        string Dotnet(params string[] args) => string.Join(' ', args);
        async Task<string> Run(string cwd, params string[] args)
        {
            var step = Stopwatch.StartNew();
            var text = await Tool.RunOkAsync(ChildProcess.Dotnet, args, cwd, minutes, env);
            output.WriteLine($"dotnet {Dotnet(args)}: {step.Elapsed.TotalSeconds:0.0} s");
            return text;
        }

        // 1-2. The templates from the feed.
        var templates = Path.Combine(feed.Directory, $"OamOrleans.Templates.{version}.nupkg");
        await Run(work, "new", "install", templates, "--debug:custom-hive", hive);

        // 3. A silo project, built against the feed.
        await Run(work, "new", "oam-silo", "-n", "Acme.Agents", "--channel", "acme", "--debug:custom-hive", hive);
        var project = Path.Combine(work, "Acme.Agents");
        var csproj = await File.ReadAllTextAsync(Path.Combine(project, "Acme.Agents", "Acme.Agents.csproj"));
        Assert.Contains($"""<PackageReference Include="OamOrleans.Runtime" Version="{version}" />""", csproj, StringComparison.Ordinal);
        Assert.DoesNotContain("ProjectReference", csproj, StringComparison.Ordinal);
        await Run(Path.Combine(project, "Acme.Agents"), "new", "oam-agent", "-n", "Weather", "--agentName", "acme.weather", "--namespace", "Acme.Agents.Agents", "--debug:custom-hive", hive);
        Assert.True(File.Exists(Path.Combine(project, "Acme.Agents", "WeatherAgent.cs")), "oam-agent made no WeatherAgent.cs");
        await Run(project, "build", "Acme.Agents.Tests", "-c", "Release", "-tl:off");

        // 4. Run it on a real nats-server and call both agents with a plain NATS client.
        await using var nats = await NatsServer.StartAsync();
        await using var silo = await ChildProcess.StartAsync(
            new ChildProcessOptions
            {
                Name = "the generated silo",
                Arguments = ["exec", Path.Combine(project, "Acme.Agents", "bin", "Release", "net10.0", "Acme.Agents.dll")],
                WorkingDirectory = Path.Combine(project, "Acme.Agents", "bin", "Release", "net10.0"),
                Environment = new Dictionary<string, string>
                {
                    ["Oam__Url"] = nats.Url,
                    ["Oam__SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Oam__GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
            p => Task.CompletedTask);
        await using var client = new NatsClient(nats.Url);
        var echo = await PlainCallAsync(client, silo, "acme.echo", """{"message":"hi"}""");
        Assert.Equal("Echo: hi", echo.GetProperty("reply").GetString());
        var weather = await PlainCallAsync(client, silo, "acme.weather", """{"text":"sunny"}""");
        Assert.Equal("sunny", weather.GetProperty("result").GetString());
        var turn1 = await PlainCallAsync(client, silo, "acme.counter", """{"conversation":"c-1"}""");
        var turn2 = await PlainCallAsync(client, silo, "acme.counter", """{"conversation":"c-1"}""");
        Assert.Equal((1, 2), (turn1.GetProperty("count").GetInt32(), turn2.GetProperty("count").GetInt32()));

        // 5. The oam tool from the feed.
        var tools = Path.Combine(_temp, "tools");
        await Run(work, "tool", "install", "--tool-path", tools, "--version", version, "OamOrleans.Cli");
        var oam = Path.Combine(tools, "oam");
        var called = await Tool.RunOkAsync(oam, ["agent", "call", "acme.echo", """{"message":"from oam"}""", "--url", nats.Url], work, minutes, env);
        Assert.Contains("Echo: from oam", called, StringComparison.Ordinal);
        var counted = await Tool.RunOkAsync(oam, ["agent", "call", "acme.counter", "{}", "--conversation", "c-1", "--url", nats.Url, "--json"], work, minutes, env);
        Assert.Contains("\"count\": 3", counted, StringComparison.Ordinal);

        // 6. The generated project's own tests (they start their own nats-server and silo).
        var tested = await Run(project, "test", "Acme.Agents.Tests", "-c", "Release", "--no-build", "-tl:off");
        Assert.Contains("Passed!", tested, StringComparison.Ordinal);
        output.WriteLine($"the whole consumer path: {clock.Elapsed.TotalSeconds:0} s");
    }

    private static async Task<JsonElement> PlainCallAsync(NatsClient client, ChildProcess silo, string agent, string json)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            silo.ThrowIfExited("while the test called its agents");
            var headers = new NatsHeaders { ["X-Mesh-Request-Id"] = Guid.NewGuid().ToString("N") };
            try
            {
                var reply = await client.RequestAsync<byte[], byte[]>(
                    $"mesh.agent.{agent}", System.Text.Encoding.UTF8.GetBytes(json), headers,
                    replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(10) });
                var body = JsonDocument.Parse(reply.Data ?? []).RootElement.Clone();
                Assert.True(reply.Headers?["X-Mesh-Status"].ToString() is null or "" or "ok", $"{agent}: {body}");
                return body;
            }
            catch (NatsNoRespondersException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);   // the silo has not subscribed yet
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
