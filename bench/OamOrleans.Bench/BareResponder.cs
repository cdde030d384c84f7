using NATS.Client.Core;

namespace OamOrleans.Bench;

/// <summary>
/// The .NET floor for any host of this protocol (issue 20): a bare NATS.Net responder in a process of its own that
/// subscribes, and replies to every request with the body and one header (<c>X-Mesh-Status: ok</c>). Its host CPU per
/// request is what NATS.Net itself needs; the agent rows are compared to it.
/// </summary>
internal static class BareResponder
{
    public const string Subject = "bench.bare.echo";

    /// <summary>Child-process role: <c>oam-bench --role bare --url nats://…</c>; serves until stdin closes.</summary>
    public static async Task<int> ServeAsync(string url)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = url, Name = "bench-bare-responder" });
        await connection.ConnectAsync();
        await using var sub = await connection.SubscribeCoreAsync<byte[]>(Subject);
        var serve = Task.Run(async () =>
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync())
            {
                await msg.ReplyAsync(msg.Data, new NatsHeaders { ["X-Mesh-Status"] = "ok" });
            }
        });
        await connection.PingAsync();
        Console.Out.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        await sub.UnsubscribeAsync();
        await serve;
        return 0;
    }
}
