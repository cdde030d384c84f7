// The mesh as tools for a model: every agent of the catalog's "demo" channel becomes an AIFunction, and any IChatClient
// (here an OpenAI-compatible endpoint) chooses and calls them. Run the silo first (./run.sh), then:
//   OAM_LLM_ENDPOINT=http://localhost:11434/v1 OAM_LLM_MODEL=llama3.2 dotnet run --project samples/OamOrleans.Samples.Tools -- "Greet Ann."
// Without OAM_LLM_MODEL it lists the tools and calls two of them directly, as a model would.
using System.ClientModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OamOrleans.Client;
using OpenAI;

await using var mesh = await MeshClient.ConnectAsync();   // OAM_URL, else .oam-url, else nats://localhost:4222
var tools = await mesh.GetAIFunctionsAsync(new MeshToolOptions { Channel = "demo" });
foreach (var tool in tools)
{
    Console.WriteLine($"tool {tool.Name}: {tool.Description.Split('\n')[0]}");
}

var model = Environment.GetEnvironmentVariable("OAM_LLM_MODEL");
if (string.IsNullOrWhiteSpace(model))
{
    Console.WriteLine("no model (OAM_LLM_MODEL is not set): calling two tools as a model would");
    var greet = tools.Single(t => t.Name == "demo_greet");
    var fail = tools.Single(t => t.Name == "demo_fail");
    Console.WriteLine($"demo_greet -> {JsonSerializer.Serialize(await greet.InvokeAsync(new AIFunctionArguments { ["input"] = "Ann" }), Readable)}");
    Console.WriteLine($"demo_fail  -> {JsonSerializer.Serialize(await fail.InvokeAsync(new AIFunctionArguments { ["message"] = "please" }), Readable)}");
    return;
}

var options = new OpenAIClientOptions();
if (Environment.GetEnvironmentVariable("OAM_LLM_ENDPOINT") is { Length: > 0 } endpoint)
{
    options.Endpoint = new Uri(endpoint);
}

var key = Environment.GetEnvironmentVariable("OAM_LLM_API_KEY") is { Length: > 0 } k ? k : "unused"; // local servers need none
IChatClient llm = new OpenAIClient(new ApiKeyCredential(key), options).GetChatClient(model).AsIChatClient();
using var chat = new ChatClientBuilder(llm).UseFunctionInvocation().Build();
var task = args.FirstOrDefault() ?? "Greet Ann, then echo the greeting.";
var response = await chat.GetResponseAsync(task, new ChatOptions { Tools = [.. tools] });
foreach (var call in response.Messages.SelectMany(m => m.Contents.OfType<FunctionCallContent>()))
{
    Console.WriteLine($"called {call.Name}");
}

Console.WriteLine(response.Text);

internal static partial class Program
{
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
