using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Docs.Snippets;

public sealed record Tick(int N);

internal static class Calling
{
    public static async Task CallAsync(Stream stream)
    {
        #region ClientCalls
        await using var mesh = await MeshClient.ConnectAsync();               // --url / OAM_URL / .oam-url / nats://localhost:4222
        var reply = await mesh.CallAsync<EchoOut>("demo.echo", new EchoIn("hi"));
        var turn  = await mesh.CallAsync<CounterOut>("demo.counter", new { }, new CallOptions { ConversationId = "c-1" });
        await foreach (var chunk in mesh.StreamAsync<Delta>("demo.words", new EchoIn("one two three"))) Console.WriteLine(chunk.Text);
        await foreach (var tick in mesh.SubscribeAsync<Tick>(agent: "demo.ticker")) Console.WriteLine(tick.N);
        await mesh.SendAsync("demo.echo", new EchoIn("later"), new SendOptions
        {
            OnReply = r => { Console.WriteLine(r.Source); return ValueTask.CompletedTask; },
            OnError = e => { Console.WriteLine(e.Code); return ValueTask.CompletedTask; },
        });
        await mesh.PublishAsync("sensor.temp", new { celsius = 21.5 });
        var agents = await mesh.CatalogAsync(new CatalogFilter { Channel = "demo", Streaming = false });
        var contract = await mesh.ContractAsync("demo.echo");
        await mesh.Kv.PutAsync("plan.step1", "done"); await mesh.Kv.CreateAsync("lock", "me");      // mesh-context KV
        await mesh.Workspace.PutAsync("run-1/report.pdf", stream);                                 // mesh-artifacts object store
        await mesh.Observe.SetAsync("demo.echo", "debug");                                         // mesh-observability, applied live
        await foreach (var log in mesh.Observe.LogsAsync("demo.echo")) Console.WriteLine(log.Event); // mesh.logs.demo.echo
        #endregion
        GC.KeepAlive((reply, turn, agents, contract));
    }

    public static async Task MinimalAsync()
    {
        #region ClientCall
        // using OamOrleans.Client;
        await using var mesh = await MeshClient.ConnectAsync("nats://localhost:4222");
        var reply = await mesh.CallAsync<EchoOut>("demo.echo", new EchoIn("hi"));
        Console.WriteLine(reply.Reply);                                       // Echo: hi
        #endregion
    }

    public static async Task RetriesAsync(EchoIn input)
    {
        #region ClientRetries
        var client = await MeshClient.ConnectAsync("nats://n1:4222,nats://n3:4222", new MeshClientOptions
        {
            Retry = new MeshRetryOptions { AttemptTimeout = TimeSpan.FromSeconds(10) },  // client-wide (MeshRetryOptions.None: off)
        });
        await client.CallAsync<EchoOut>("billing.charge", input, new CallOptions { Retry = MeshRetryOptions.None }); // this call: one attempt
        #endregion
        await client.DisposeAsync();
    }

    public static async Task GrainsAsync(IGrainFactory grainFactory)
    {
        #region GrainFactoryCall
        var counter = grainFactory.GetAgent<CounterAgent>("c-1");
        CounterOut turn = await counter.CallAsync<CounterOut>(new CounterIn());
        #endregion
        GC.KeepAlive(turn);
    }
}

internal static class ProtocolSnippets
{
    public static byte[] Documents(ReadOnlySpan<byte> registryValue)
    {
        #region ProtocolDocuments
        // using OamOrleans.Protocol;
        var subject = MeshSubjects.Agent("demo.echo");                 // mesh.agent.demo.echo
        var error = new ErrorEnvelope(MeshErrorCodes.NotFound, "No agent 'x'", "x", MeshIds.New());
        byte[] body = error.ToJsonBytes();                             // {"code":"not_found","message":…,"details":{}}
        var contract = AgentContract.Parse(registryValue);             // a mesh-registry value from any implementation
        #endregion
        return [.. body, .. System.Text.Encoding.UTF8.GetBytes(subject + contract.Name)];
    }
}
