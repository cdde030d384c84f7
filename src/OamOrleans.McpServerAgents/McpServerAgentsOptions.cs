namespace OamOrleans.Hosting;

/// <summary>
/// One MCP server whose tools a silo serves as mesh agents <c>mcp.{server}.{tool}</c>: either a command started as a
/// child process and spoken to over stdio (<see cref="Command"/>), or a streamable HTTP endpoint (<see cref="Url"/>).
/// </summary>
public sealed class McpServerAgentsOptions
{
    /// <summary>The executable of a stdio MCP server (e.g. <c>npx</c>, <c>dotnet</c>, <c>uvx</c>). Exclusive with <see cref="Url"/>.</summary>
    public string? Command { get; set; }

    /// <summary>Arguments for <see cref="Command"/>.</summary>
    public IList<string> Arguments { get; } = [];

    /// <summary>Extra environment variables for <see cref="Command"/> (a null value removes one).</summary>
    public IDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>The working directory of <see cref="Command"/>; null: the silo's.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>The MCP endpoint of an HTTP server (streamable HTTP, falling back to SSE). Exclusive with <see cref="Command"/>.</summary>
    public Uri? Url { get; set; }

    /// <summary>How long one tool call may take before the caller gets <c>timeout</c>. Default 60 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The first wait before restarting a server that died or would not start; doubled per failure. Default 0.5 s.</summary>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between restarts. Default 30 s.</summary>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most calls forwarded to this server at once; more wait. Default 64.</summary>
    public int MaxConcurrentCalls { get; set; } = 64;
}
