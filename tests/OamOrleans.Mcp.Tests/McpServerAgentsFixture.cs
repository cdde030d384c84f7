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

    public static string ServerDll { get; } = typeof(McpServerAgentsFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "McpTestServerDll").Value!;

    protected override Task<TestSilo> StartSiloAsync(string natsUrl) => TestSilo.StartAsync(
        natsUrl,
        agents: silo => silo.AddMcpServerAgents("files", o =>
        {
            o.Command = OamTool.Dotnet;
            o.Arguments.Add(ServerDll);
            o.Arguments.Add("--pid-file");
            o.Arguments.Add(PidFile);
            o.RestartDelay = RestartDelay;
            o.MaxRestartDelay = RestartDelay;
        }));

    public int? ServerPid() =>
        File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile), out var pid) ? pid : null;
}

[CollectionDefinition(Name)]
public sealed class McpServerAgentsCollection : ICollectionFixture<McpServerAgentsFixture>
{
    public const string Name = "mcp server agents";
}
