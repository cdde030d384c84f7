namespace OamOrleans.Mcp;

/// <summary>Which mesh agents an MCP server built by <c>AddMeshMcpServer</c> exports as tools.</summary>
public sealed class MeshMcpOptions
{
    /// <summary>
    /// True (the default): export every invocable, non-streaming agent unless its contract says
    /// <c>x-agentmesh.mcp: false</c>. False: export only agents whose contract says <c>x-agentmesh.mcp: true</c>.
    /// </summary>
    public bool DefaultExport { get; set; } = true;

    /// <summary>The MCP server name reported to clients; <c>openagentmesh</c> as the reference.</summary>
    public string ServerName { get; set; } = "openagentmesh";
}
