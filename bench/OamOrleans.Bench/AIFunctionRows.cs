using System.Text.Json;
using Microsoft.Extensions.AI;
using OamOrleans.Client;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Bench;

/// <summary>
/// What a tool call costs: <c>demo.echo</c> called by <see cref="MeshClient.CallAsync{TOut}"/> (the direct call), and the
/// same agent as the <see cref="AIFunction"/> a model gets (<see cref="MeshClient.GetAIFunctionsAsync"/>), invoked with
/// arguments as <c>FunctionInvokingChatClient</c> passes them (JSON elements) and returning the reply as a JSON element.
/// Both on one mesh client of their own.
/// </summary>
internal sealed class AIFunctionRows : IAsyncDisposable
{
    private readonly MeshClient _client;

    private AIFunctionRows(MeshClient client, IReadOnlyList<Row> rows)
    {
        _client = client;
        Rows = rows;
    }

    public IReadOnlyList<Row> Rows { get; }

    public static async Task<AIFunctionRows> StartAsync(string natsUrl, BenchOptions options)
    {
        var client = await MeshClient.ConnectAsync(natsUrl);
        var echo = await client.GetAIFunctionAsync("demo.echo");
        var input = new EchoIn("hello");
        using var message = JsonDocument.Parse("\"hello\"");
        var arguments = new AIFunctionArguments { ["message"] = message.RootElement.Clone() };
        Row[] rows =
        [
            new("mesh-client", "MeshClient.CallAsync → demo.echo (direct call)", n => Load.RunWithSelfCpuAsync(n, options.Warmup, options.Duration,
                async _ => (await client.CallAsync<EchoOut>("demo.echo", input)).Reply == "Echo: hello"), CallerInHost: true),
            new("aifunction", "AIFunction.InvokeAsync → demo.echo (a model's tool call)", n => Load.RunWithSelfCpuAsync(n, options.Warmup, options.Duration,
                async _ => await echo.InvokeAsync(arguments) is JsonElement reply && reply.GetProperty("reply").GetString() == "Echo: hello"), CallerInHost: true),
        ];
        return new AIFunctionRows(client, rows);
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
