using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace OamOrleans.Runtime.Tests;

/// <summary>
/// Just enough of the NATS client protocol, over a bare TCP socket, to send what no NATS library would (hand-written
/// header blocks) or how it would not (many messages in one write, so they reach the silo as one burst).
/// </summary>
internal sealed class NatsProtocolClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private int _inbox;

    private NatsProtocolClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.Latin1); // one char per byte: lengths in the protocol are bytes
    }

    /// <summary>A message to publish: <paramref name="Headers"/> is a whole header block ("NATS/1.0\r\n...\r\n\r\n") or null.</summary>
    public sealed record Outgoing(string Subject, string ReplyTo, string? Headers, string Body);

    public sealed record Incoming(string Subject, string Headers, byte[] Body);

    /// <summary>A message as raw bytes: <paramref name="Headers"/> is a whole header block or null; no reply subject when <paramref name="ReplyTo"/> is null.</summary>
    public sealed record RawOutgoing(string Subject, string? ReplyTo, byte[]? Headers, byte[] Body);

    public static async Task<NatsProtocolClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new NatsProtocolClient(tcp);
        var info = await client._reader.ReadLineAsync();
        Assert.StartsWith("INFO ", info);
        await client.WriteAsync("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\n");
        return client;
    }

    public string NewInbox() => $"_INBOX.raw.{Interlocked.Increment(ref _inbox)}";

    /// <summary>Subscribes, and makes sure the server has the subscription before anything else is sent.</summary>
    public async Task SubscribeAsync(string subject)
    {
        await WriteAsync($"SUB {subject} {Interlocked.Increment(ref _inbox)}\r\nPING\r\n");
        await ExpectPongAsync();
    }

    /// <summary>Publishes every message in one socket write.</summary>
    public async Task PublishAsync(IEnumerable<Outgoing> messages)
    {
        var bytes = new MemoryStream();
        foreach (var m in messages)
        {
            var payload = Encoding.UTF8.GetBytes(m.Body);
            var command = m.Headers is null
                ? $"PUB {m.Subject} {m.ReplyTo} {payload.Length}\r\n"
                : $"HPUB {m.Subject} {m.ReplyTo} {m.Headers.Length} {m.Headers.Length + payload.Length}\r\n{m.Headers}";
            bytes.Write(Encoding.Latin1.GetBytes(command));
            bytes.Write(payload);
            bytes.Write("\r\n"u8);
        }

        await _stream.WriteAsync(bytes.ToArray());
    }

    /// <summary>Publishes raw header and body bytes (bad UTF-8 and all), every message in one socket write.</summary>
    public async Task PublishAsync(IEnumerable<RawOutgoing> messages)
    {
        var bytes = new MemoryStream();
        foreach (var m in messages)
        {
            var reply = m.ReplyTo is null ? "" : m.ReplyTo + " ";
            var command = m.Headers is null
                ? $"PUB {m.Subject} {reply}{m.Body.Length}\r\n"
                : $"HPUB {m.Subject} {reply}{m.Headers.Length} {m.Headers.Length + m.Body.Length}\r\n";
            bytes.Write(Encoding.Latin1.GetBytes(command));
            bytes.Write(m.Headers ?? []);
            bytes.Write(m.Body);
            bytes.Write("\r\n"u8);
        }

        await _stream.WriteAsync(bytes.ToArray());
    }

    /// <summary>Round-trips a PING: the server has processed everything sent before (and the connection is still open).</summary>
    public async Task PingAsync()
    {
        await WriteAsync("PING\r\n");
        await ExpectPongAsync();
    }

    /// <summary>Reads the next message (answering pings on the way); a reply from an agent always has headers.</summary>
    public async Task<Incoming> ReadAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _reader.ReadLineAsync(cts.Token) ?? throw new IOException("nats-server closed the connection");
            if (line == "PING")
            {
                await WriteAsync("PONG\r\n");
                continue;
            }

            // HMSG <subject> <sid> [reply] <header bytes> <total bytes>
            var parts = line.Split(' ');
            Assert.Equal("HMSG", parts[0]);
            var total = new char[int.Parse(parts[^1], CultureInfo.InvariantCulture) + 2];
            await _reader.ReadBlockAsync(total, cts.Token);
            var headerLength = int.Parse(parts[^2], CultureInfo.InvariantCulture);
            return new Incoming(parts[1], new string(total, 0, headerLength), Encoding.Latin1.GetBytes(total, headerLength, total.Length - headerLength - 2));
        }
    }

    /// <summary>One request and its reply.</summary>
    public async Task<Incoming> RequestAsync(string subject, string? headers, string body)
    {
        var inbox = NewInbox();
        await SubscribeAsync(inbox);
        await PublishAsync([new Outgoing(subject, inbox, headers, body)]);
        return await ReadAsync(TimeSpan.FromSeconds(10));
    }

    private async Task ExpectPongAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await _reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line == "PONG")
            {
                return;
            }

            Assert.Equal("PING", line);
            await WriteAsync("PONG\r\n");
        }
    }

    private async Task WriteAsync(string text) => await _stream.WriteAsync(Encoding.Latin1.GetBytes(text));

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
