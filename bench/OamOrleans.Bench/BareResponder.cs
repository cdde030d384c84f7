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
        return await ServeUntilStdinClosesAsync(connection, Subject, msg => msg.ReplyAsync(msg.Data, new NatsHeaders { ["X-Mesh-Status"] = "ok" }));
    }

    /// <summary>
    /// A floor process's life: subscribes <paramref name="subject"/>, hands each request to <paramref name="handle"/> in
    /// order, says <c>ready</c> once the server has the subscription, and stops when the parent closes stdin.
    /// </summary>
    public static async Task<int> ServeUntilStdinClosesAsync(NatsConnection connection, string subject, Func<NatsMsg<byte[]>, ValueTask> handle)
    {
        await using var sub = await connection.SubscribeCoreAsync<byte[]>(subject);
        var serve = Task.Run(async () =>
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync())
            {
                await handle(msg);
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
