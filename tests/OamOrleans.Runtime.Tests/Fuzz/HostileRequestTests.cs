using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using OamOrleans.Testing;
using Xunit.Abstractions;

namespace OamOrleans.Runtime.Tests.Fuzz;

/// <summary>A nats-server (max_payload 256 KB) and a silo of its own, hosting every sample and test agent, with its warnings kept.</summary>
public sealed class FuzzFixture : IAsyncLifetime
{
    public const int MaxPayload = 256 * 1024;

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public LogSink Logs { get; } = new();

    public async Task InitializeAsync()
    {
        Nats = await NatsServer.StartAsync(maxPayload: MaxPayload);
        Silo = await TestSilo.StartAsync(Nats.Url, logs: Logs);
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Nats.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FuzzCollection : ICollectionFixture<FuzzFixture>
{
    public const string Name = "fuzz";
}

/// <summary>
/// Sends a seeded stream of hostile requests (see <see cref="HostileRequests"/>) over the real wire, through NATS.Net and
/// a bare TCP socket, with good calls interleaved, and checks every answer (<see cref="AnswerCheck"/>).
/// </summary>
[Collection(FuzzCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HostileRequestTests(FuzzFixture fuzz, ITestOutputHelper output)
{
    private const int Window = 256;
    private static readonly TimeSpan AnswerDeadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_hostile_request_with_a_reply_subject_gets_one_well_formed_answer_and_good_calls_keep_working()
    {
        var seed = FuzzSettings.Seed;
        var count = FuzzSettings.Count;
        var requests = new HostileRequests(seed, FuzzFixture.MaxPayload).Generate(count).ToList();

        await using var nats = fuzz.Nats.Connect("fuzz-sender");
        await using var listener = fuzz.Nats.Connect("fuzz-collector");
        await using var tcp = await NatsProtocolClient.ConnectAsync(fuzz.Nats.Port);
        await using var answers = await AnswerCollector.StartAsync(listener);

        var clock = Stopwatch.StartNew();
        using var window = new SemaphoreSlim(Window);
        var waits = new List<(HostileRequest Request, Task Answered)>();
        foreach (var request in requests)
        {
            Task? answered = null;
            if (request.AnswerSubject is { } subject)
            {
                await window.WaitAsync();
                answered = answers.Expect(subject).WaitAsync(AnswerDeadline);
                _ = answered.ContinueWith(_ => window.Release(), TaskScheduler.Default);
            }

            await SendAsync(nats, tcp, request);
            if (answered is not null)
            {
                waits.Add((request, answered));
            }
        }

        foreach (var (_, answered) in waits)
        {
            try
            {
                await answered;
            }
            catch (TimeoutException)
            {
                // Reported below, with every other problem.
            }
        }

        // Late duplicates would come in just after: one more good round trip over each connection first.
        await tcp.PingAsync();
        await nats.PingAsync();
        await listener.PingAsync();
        var elapsed = clock.Elapsed;

        var problems = requests.Select(r => (Request: r, Problem: AnswerCheck.Problem(r, answers))).Where(p => p.Problem is not null).ToList();
        var unanswered = problems.Count(p => p.Problem == "unanswered");
        var bridgeErrors = fuzz.Logs.Records.Where(r => r.Level >= LogLevel.Error && r.Category.Contains("MeshBridge", StringComparison.Ordinal)).ToList();
        output.WriteLine(
            $"{FuzzSettings.Describe(seed, count)}: {requests.Count} sent ({requests.Count(r => r.Good is not null)} good), {waits.Count} expecting an answer, " +
            $"{unanswered} unanswered, {problems.Count - unanswered} malformed, {bridgeErrors.Count} bridge errors, in {elapsed.TotalSeconds:0.0} s");
        foreach (var group in bridgeErrors.GroupBy(r => $"{r.Message} {r.Exception?.GetType().Name}: {r.Exception?.Message}").Take(10))
        {
            output.WriteLine($"  bridge error x{group.Count()}: {group.Key} {string.Join(" / ", (group.First().Exception?.StackTrace ?? "").Split('\n').Take(8))}");
        }

        foreach (var group in problems.GroupBy(p => p.Problem!.Split(':')[0]).Take(20))
        {
            output.WriteLine($"  {group.Key} x{group.Count()}, e.g. {group.First().Request.Describe()} -> {Cut(group.First().Problem!)}");
        }

        Assert.True(problems.Count == 0, $"{problems.Count} of {waits.Count} answers missing or malformed ({unanswered} unanswered); rerun with {FuzzSettings.Describe(seed, count)}. First: " +
            string.Join("; ", problems.Take(5).Select(p => $"{p.Request.Describe()} -> {Cut(p.Problem!)}")));
        Assert.DoesNotContain(fuzz.Logs.Records, r => r.Message.Contains("no longer serves", StringComparison.Ordinal) || r.Message.Contains("Reconnected", StringComparison.Ordinal));

        // The silo still serves everyone, over a fresh connection.
        var echo = await RawNats.RequestAsync(nats, "demo.echo", """{"message":"after"}""");
        Assert.Equal("Echo: after", RawNats.Json(echo).GetProperty("reply").GetString());
    }

    private static string Cut(string text) => text.Length <= 400 ? text : text[..400] + "...";

    private static async Task SendAsync(NatsConnection nats, NatsProtocolClient tcp, HostileRequest request)
    {
        if (request.ViaNatsNet)
        {
            await nats.PublishAsync(request.Subject, request.Body, headers: NatsHeadersOf(request.Headers!), replyTo: request.ReplyTo);
        }
        else
        {
            await tcp.PublishAsync([new NatsProtocolClient.RawOutgoing(request.Subject, request.ReplyTo, request.Headers, request.Body)]);
        }
    }

    /// <summary>The header lines of a clean block (ASCII "Name: value" lines), as NATS.Net headers.</summary>
    private static NatsHeaders NatsHeadersOf(byte[] block)
    {
        var headers = new NatsHeaders();
        foreach (var line in Encoding.ASCII.GetString(block).Split("\r\n").Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon];
            if (!headers.ContainsKey(name))
            {
                headers[name] = line[(colon + 1)..].Trim(' ', '\t');
            }
        }

        return headers;
    }
}
