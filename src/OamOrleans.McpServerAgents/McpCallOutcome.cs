using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OamOrleans.Protocol;

namespace OamOrleans.McpServerAgents;

/// <summary>
/// A forwarded call's outcome in mesh terms. A result's reply body is its <c>structuredContent</c> when there is one;
/// else a single text content, as the JSON it holds when it is JSON, otherwise as a JSON string; else the content
/// blocks as a JSON array. An <c>isError</c> result is <c>handler_error</c> with the result's text.
/// </summary>
internal readonly record struct McpCallOutcome(byte[]? Body, string? Code, string? Message)
{
    public static McpCallOutcome Ok(byte[] body) => new(body, null, null);

    public static McpCallOutcome Error(string code, string message) => new(null, code, message);

    public static McpCallOutcome From(CallToolResult result)
    {
        if (result.IsError == true)
        {
            var text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
            return Error(MeshErrorCodes.HandlerError, text.Length > 0 ? text : "The MCP tool reported an error without text");
        }

        if (result.StructuredContent is { } structured)
        {
            return Ok(JsonSerializer.SerializeToUtf8Bytes(structured));
        }

        if (result.Content is [TextContentBlock single])
        {
            return Ok(IsJson(single.Text) ? Encoding.UTF8.GetBytes(single.Text) : JsonSerializer.SerializeToUtf8Bytes(single.Text));
        }

        return Ok(JsonSerializer.SerializeToUtf8Bytes(result.Content, McpJsonUtilities.DefaultOptions));
    }

    /// <summary>An exception of a forwarded call: protocol errors keep their meaning, a lost server is <c>not_available</c>.</summary>
    public static McpCallOutcome From(Exception e, string server, string tool) => e switch
    {
        McpProtocolException { ErrorCode: McpErrorCode.InvalidParams } p => Error(MeshErrorCodes.InvalidInput, $"MCP server '{server}' refused the arguments of '{tool}': {p.Message}"),
        McpProtocolException { ErrorCode: McpErrorCode.MethodNotFound } p => Error(MeshErrorCodes.NotFound, $"MCP server '{server}' has no tool '{tool}': {p.Message}"),
        McpProtocolException p => Error(MeshErrorCodes.HandlerError, $"MCP server '{server}' failed '{tool}' (MCP error {(int)p.ErrorCode}): {p.Message}"),
        ClientTransportClosedException or ObjectDisposedException or IOException or McpException =>
            Error(MeshErrorCodes.NotAvailable, $"MCP server '{server}' is not running (restarting): {e.Message}"),
        _ => Error(MeshErrorCodes.HandlerError, $"MCP server '{server}' failed '{tool}': {e.Message}"),
    };

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
