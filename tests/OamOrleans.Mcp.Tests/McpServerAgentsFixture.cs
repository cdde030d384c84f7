using System.Reflection;
using OamOrleans.Cli.Tests;
using OamOrleans.Hosting;

namespace OamOrleans.Mcp.Tests;

/// <summary>
/// A real nats-server and a real silo that serves the tools of a real stdio MCP server process (the test server) as
/// agents <c>mcp.files.*</c>. The server writes its process id to <see cref="PidFile"/> at every start, so tests can kill it.
/// </summary>
public sealed class McpServerAgentsFixture : SiloMeshFixture
{
    /// <summary>Long enough for a client to see <c>not_available</c> between a kill and the restart.</summary>
    public static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(3);

    public McpServerAgentsFixture()
        : base(maxPayload: null, referenceBuckets: false)
    {
    }

    public string PidFile { get; } = Path.Combine(Directory.CreateTempSubdirectory("oam-mcp-in-").FullName, "server.pid");

    /// <summary>The port of <c>oam mcp serve --http</c> on this same mesh: the HTTP server the silo bridges as <c>mcp.mesh.*</c>.</summary>
    public int HttpPort { get; } = NatsServer.FreePort();

    private RunningOam? _oamHttp;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        // Started after the silo: its "mesh" server fails to start until then and is retried (RestartDelay), and by
        // then the sample agents are in the catalog. Agents made from MCP tools say mcp: false, so they are not
        // exported back (no loop).
        _oamHttp = OamTool.StartLong(["mcp", "serve", "--http", HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], Url);
        await _oamHttp.WaitForAsync((_, err) => err.Contains("MCP over HTTP at", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the HTTP endpoint");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_oamHttp is not null)
        {
            await _oamHttp.DisposeAsync();
        }
    }

    public static string ServerDll { get; } = typeof(McpServerAgentsFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "McpTestServerDll").Value!;

    protected override Task<TestSilo> StartSiloAsync(string natsUrl) => TestSilo.StartAsync(
        natsUrl,
        agents: silo => silo
            .AddAgentsFromAssembly(typeof(OamOrleans.Samples.Agents.EchoAgent).Assembly)
            .AddMcpServerAgents("files", o =>
            {
                o.Command = OamTool.Dotnet;
                o.Arguments.Add(ServerDll);
                o.Arguments.Add("--pid-file");
                o.Arguments.Add(PidFile);
                o.RestartDelay = RestartDelay;
                o.MaxRestartDelay = RestartDelay;
            })
            .AddMcpServerAgents("mesh", o =>
            {
                o.Url = new Uri($"http://127.0.0.1:{HttpPort}/mcp");
                o.RestartDelay = TimeSpan.FromMilliseconds(250);
                o.MaxRestartDelay = TimeSpan.FromSeconds(1);
            }));

    public int? ServerPid() =>
        File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile), out var pid) ? pid : null;
}

[CollectionDefinition(Name)]
public sealed class McpServerAgentsCollection : ICollectionFixture<McpServerAgentsFixture>
{
    public const string Name = "mcp server agents";
}
