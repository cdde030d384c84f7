// A C# client of the mesh: knows nothing of Orleans, only the OpenAgentMesh protocol (through OamOrleans.Client).
// Run the silo first (./run.sh), then: dotnet run --project samples/OamOrleans.Samples.Client [nats-url]
using OamOrleans.Client;

await using var mesh = await MeshClient.ConnectAsync(args.FirstOrDefault());
Console.WriteLine($"connected as oam-host-{mesh.InstanceId}");

foreach (var entry in await mesh.CatalogAsync(new CatalogFilter { Channel = "demo" }))
{
    Console.WriteLine($"  {entry.Name,-14} invocable={entry.Invocable,-5} streaming={entry.Streaming,-5} {entry.Description}");
}

var echo = await mesh.CallAsync<EchoOut>("demo.echo", new EchoIn("hello from C#"));
Console.WriteLine($"demo.echo   -> {echo.Reply}");
Console.WriteLine($"demo.greet  -> {await mesh.CallAsync<string>("demo.greet", "Ann")}");
Console.WriteLine($"demo.shout  -> {(await mesh.CallAsync<EchoOut>("demo.shout", new EchoIn("agents call agents"))).Reply}");

// The same conversation id reaches the same grain activation: its state counts our turns.
var conversation = new CallOptions { ConversationId = "sample-" + Guid.NewGuid().ToString("N")[..8] };
for (var turn = 0; turn < 3; turn++)
{
    var count = await mesh.CallAsync<CounterOut>("demo.counter", new { }, conversation);
    Console.WriteLine($"demo.counter -> turn {count.Count} of {count.ConversationId}");
}

var words = mesh.StreamAsync<Delta>("demo.words", new EchoIn("chunks flow one by one"));
await foreach (var chunk in words)
{
    Console.WriteLine($"demo.words  -> chunk {chunk.Text}");
}

Console.WriteLine($"demo.words  usage: {words.Raw.Usage?.ToJson()}");

try
{
    await mesh.CallAsync<EchoOut>("demo.fail", new EchoIn("please"));
}
catch (MeshException e)
{
    Console.WriteLine($"demo.fail   -> Error [{e.Code}] {e.Message}");
}

internal sealed record EchoIn(string Message);

internal sealed record EchoOut(string Reply);

internal sealed record CounterOut(int Count, string ConversationId);

internal sealed record Delta(string Text);
