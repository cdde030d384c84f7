using ModelContextProtocol.Client;
using OamOrleans.Cli.Tests;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Mcp.Tests;

/// <summary>A real nats-server and a real silo hosting the sample agents; MCP clients start the real <c>oam</c> tool on it.</summary>
public sealed class McpMeshFixture : SiloMeshFixture
{
    private static readonly string[] UsedAgents = ["demo.echo", "demo.fail", "demo.greet", "demo.words", "demo.ticker"];

    public McpMeshFixture()
        : base(maxPayload: null, referenceBuckets: false)
    {
    }

    private readonly SemaphoreSlim _sharedLock = new(1, 1);
    private McpClient? _shared;

    public string WorkDir { get; } = Directory.CreateTempSubdirectory("oam-mcp-").FullName;

    /// <summary>One <c>oam mcp serve</c> (default options) for the tests that only list and call: a process start each is slow.</summary>
    public async Task<McpClient> SharedClientAsync()
    {
        await _sharedLock.WaitAsync();
        try
        {
            return _shared ??= await ServeStdioAsync();
        }
        finally
        {
            _sharedLock.Release();
        }
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var client = await MeshClient.ConnectAsync(Url);
        await WaitForCatalogAsync(client, UsedAgents);
    }

    protected override Task<TestSilo> StartSiloAsync(string natsUrl) => TestSilo.StartAsync(
        natsUrl,
        configure: o => o.DrainTimeout = TimeSpan.FromSeconds(5),
        agents: silo => silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly));

    /// <summary>Starts <c>oam mcp serve</c> (plus <paramref name="args"/>) as a process and connects a real MCP client over its stdio.</summary>
    public Task<McpClient> ServeStdioAsync(params string[] args) => ServeStdioWithProtocolAsync(null, args);

    /// <param name="protocolVersion">The MCP revision the client asks for; null: the SDK's latest.</param>
    /// <param name="args">More options for <c>oam mcp serve</c>.</param>
    public Task<McpClient> ServeStdioWithProtocolAsync(string? protocolVersion, params string[] args)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "oam",
            Command = OamTool.Dotnet,
            Arguments = [OamTool.Dll, "mcp", "serve", .. args],
            WorkingDirectory = WorkDir,
            EnvironmentVariables = new Dictionary<string, string?> { ["OAM_URL"] = Url, ["OAM_CREDS"] = null, ["DOTNET_NOLOGO"] = "1" },
        });
        return McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion }).WaitAsync(TimeSpan.FromSeconds(60));
    }

    public override async Task DisposeAsync()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
        }

        _sharedLock.Dispose();
        await base.DisposeAsync();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class McpMeshCollection : ICollectionFixture<McpMeshFixture>
{
    public const string Name = "mcp mesh";
}
