using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OamOrleans.Client;
using OamOrleans.McpShared;
using OamOrleans.Protocol;

namespace OamOrleans.Mcp;

/// <summary>
/// One exported agent as an MCP tool. A call checks the arguments against the input schema, calls the agent over the
/// mesh and answers its JSON reply as one text content; a mesh error becomes <c>isError</c> with <c>{code}: {message}</c>.
/// </summary>
internal sealed class MeshAgentTool : McpServerTool
{
    private readonly MeshClient _client;
    private readonly ToolInput _input;
    private readonly ArgumentCheck _check;

    private MeshAgentTool(MeshClient client, AgentContract contract, Tool tool, ToolInput input, ArgumentCheck check)
    {
        _client = client;
        Contract = contract;
        ProtocolTool = tool;
        _input = input;
        _check = check;
    }

    public AgentContract Contract { get; }

    public override Tool ProtocolTool { get; }

    public override IReadOnlyList<object> Metadata => [];

    public static async Task<MeshAgentTool> CreateAsync(MeshClient client, AgentContract contract)
    {
        var shape = McpToolShape.From(contract);
        var input = ToolInput.From(shape.InputSchema);
        var tool = new Tool
        {
            Name = shape.Name,
            Description = shape.Description,
            InputSchema = JsonSerializer.SerializeToElement(input.Schema),
        };
        return new MeshAgentTool(client, contract, tool, input, await ArgumentCheck.CreateAsync(input.Schema).ConfigureAwait(false));
    }

    /// <summary>True when <paramref name="contract"/> describes the same tool (no rebuild needed).</summary>
    public bool Describes(AgentContract contract) =>
        contract.Version == Contract.Version && contract.Description == Contract.Description &&
        JsonNode.DeepEquals(contract.InputSchema, Contract.InputSchema) && JsonNode.DeepEquals(contract.OutputSchema, Contract.OutputSchema);

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var arguments = new JsonObject();
        foreach (var (key, value) in request.Params?.Arguments ?? new Dictionary<string, JsonElement>())
        {
            arguments[key] = JsonNode.Parse(value.GetRawText());
        }

        if (_check.Problems(arguments) is { } problems)
        {
            return Error($"{MeshErrorCodes.InvalidInput}: Invalid arguments for '{Contract.Name}': {problems}");
        }

        try
        {
            var reply = await _client.CallRawAsync(Contract.Name, _input.ToAgentBody(arguments), cancellationToken: cancellationToken).ConfigureAwait(false);
            var text = reply.Json.Length == 0 ? "null" : Encoding.UTF8.GetString(reply.Json.Span);
            return new CallToolResult { Content = [new TextContentBlock { Text = text }] };
        }
        catch (MeshException e)
        {
            return Error($"{e.Code}: {e.Message}");
        }
    }

    public static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };
}
