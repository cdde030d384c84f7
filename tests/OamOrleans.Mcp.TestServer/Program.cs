using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Server;

// A small stdio MCP server for the inbound-MCP tests, run as its own process so that tests can kill it.
// Usage: oam-mcp-test-server [--pid-file PATH]   (writes its process id there once it is up)
var pidFile = args.SkipWhile(a => a != "--pid-file").Skip(1).FirstOrDefault();
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
builder.Services.AddMcpServer().WithStdioServerTransport().WithTools<TestTools>();
using var app = builder.Build();
if (pidFile is not null)
{
    await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

await app.RunAsync();

/// <summary>The test server's tools: plain text, structured output, a tool error and a name that needs sanitising.</summary>
[McpServerToolType]
internal sealed class TestTools
{
    [McpServerTool(Name = "echo"), Description("Echoes the text back.")]
    public static string Echo([Description("The text to echo.")] string text) => $"echo: {text}";

    [McpServerTool(Name = "add", UseStructuredContent = true), Description("Adds two integers.")]
    public static Sum Add(int a, int b) => new(a + b);

    [McpServerTool(Name = "fail"), Description("Always fails with the given reason.")]
    public static string Fail(string reason) => throw new McpException($"refused: {reason}");

    [McpServerTool(Name = "read.file"), Description("Pretends to read a file.")]
    public static string ReadFile(string path) => $"contents of {path}";
}

internal sealed record Sum(int Value);
