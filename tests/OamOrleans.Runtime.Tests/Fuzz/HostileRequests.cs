using System.Text;
using System.Text.RegularExpressions;
using OamOrleans.Protocol;

namespace OamOrleans.Runtime.Tests.Fuzz;

/// <summary>
/// One message of a fuzz run, and where its answer must arrive: the stream subject for a stream request whose request
/// id makes a valid subject, else the reply subject, else nowhere. <see cref="Good"/> marks the well-formed calls
/// interleaved with the hostile ones, whose answers are checked for content too.
/// </summary>
internal sealed record HostileRequest(
    int Index,
    string Label,
    string Agent,
    string Subject,
    string? ReplyTo,
    byte[]? Headers,
    byte[] Body,
    bool Stream,
    string? RequestId,
    string? AnswerSubject,
    GoodCall? Good)
{
    /// <summary>True when NATS.Net can send it (ASCII header lines it would write the same way): the rest goes over bare TCP.</summary>
    public bool ViaNatsNet { get; init; }

    public string Describe() => $"#{Index} {Label} -> {Subject} (reply {ReplyTo ?? "none"}, stream {Stream}, rid {Cut(RequestId ?? "?")}): {Preview(Body)}";

    private static string Cut(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static string Preview(byte[] body) =>
        body.Length <= 120 ? Encoding.UTF8.GetString(body) : $"{Encoding.UTF8.GetString(body, 0, 120)}... ({body.Length} bytes)";
}

/// <summary>What a good call must answer: the JSON path and value of the reply, or the chunks of a stream.</summary>
internal sealed record GoodCall(string Property, string Expected);

/// <summary>Generates a reproducible sequence of hostile requests for the sample and test agents.</summary>
internal sealed partial class HostileRequests(int seed, int maxPayload)
{
    public const string ReplyPrefix = "fuzz.r.";

    /// <summary>The agents hit, with a valid body and their conversation-key property. Agents that sleep or allocate what they are told are left out.</summary>
    private static readonly (string Agent, string Valid, string? Key, bool Streaming)[] Targets =
    [
        ("demo.echo", """{"message":"hi"}""", null, false),
        ("demo.counter", """{"conversation":"c1"}""", "conversation", false),
        ("demo.greet", "\"Ann\"", null, false),
        ("demo.clock", "{}", null, false),
        ("demo.fail", """{"message":"no"}""", null, false),
        ("demo.shout", """{"message":"hey"}""", null, false),
        ("demo.words", """{"message":"a b c"}""", null, true),
        ("test.typed", """{"name":"n","count":2,"mood":"Calm","tags":["t"],"home":{"city":"c","zip":null},"score":1.5}""", null, false),
        ("test.notes", """{"note":"n","conversation":"k1"}""", "conversation", false),
        ("test.coded", "\"q\"", null, false),
        ("test.usage", "\"u\"", null, false),
        ("test.stream", """{"chunks":2}""", null, true),
        ("test.relay", """{"target":"demo.echo","payload":{"message":"r"}}""", null, false),
    ];

    private static readonly string[] OddSubjects =
    [
        "mesh.agent.demo.echo.extra", "mesh.agent.nope", "mesh.agent.demo", "mesh.agent.demo.ticker", "mesh.agent.demo.audit",
        "mesh.agent.demo.echo.events", "mesh.agent.test.gated.kv", "mesh.agent.demo.words.x.y", "mesh.agent.Demo.Echo", "mesh.agent.demo-echo",
    ];

    private readonly Random _rng = new(seed);

    public IEnumerable<HostileRequest> Generate(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return _rng.Next(100) < 5 ? GoodRequest(i) : Hostile(i);
        }
    }

    /// <summary>The subject a stream request's frames go to, or null when its request id cannot make one (§5.4's subject rule).</summary>
    public static string? StreamSubjectOf(string? requestId) =>
        requestId is not null && SubjectRule().IsMatch(requestId) ? MeshSubjects.Stream(requestId) : null;

    private HostileRequest GoodRequest(int i)
    {
        var reply = ReplyPrefix + i;
        var rid = MeshIds.New();
        switch (_rng.Next(4))
        {
            case 0:
                return Plain(i, "good", "demo.echo", reply, rid, null, $$"""{"message":"good {{i}}"}""", new GoodCall("reply", $"Echo: good {i}"));
            case 1:
                return Plain(i, "good", "demo.counter", reply, rid, $"good-{seed}-{i}", "{}", new GoodCall("count", "1"));
            case 2:
                return Plain(i, "good", "demo.greet", reply, rid, null, $"\"g{i}\"", new GoodCall("", $"Hello, g{i}"));
            default:
            {
                var headers = $"NATS/1.0\r\n{MeshHeaders.RequestId}: {rid}\r\n{MeshHeaders.Stream}: true\r\n\r\n";
                return new HostileRequest(i, "good", "demo.words", MeshSubjects.Agent("demo.words"), null, Encoding.ASCII.GetBytes(headers),
                    HostileBodies.Utf8($$"""{"message":"w{{i}} x"}"""), true, rid, MeshSubjects.Stream(rid), new GoodCall("chunks", $"w{i}|x")) { ViaNatsNet = true };
            }
        }
    }

    private static HostileRequest Plain(int i, string label, string agent, string reply, string rid, string? conversation, string body, GoodCall? good)
    {
        var headers = $"NATS/1.0\r\n{MeshHeaders.RequestId}: {rid}\r\n" + (conversation is null ? "" : $"{MeshHeaders.ConversationId}: {conversation}\r\n") + "\r\n";
        return new HostileRequest(i, label, agent, MeshSubjects.Agent(agent), reply, Encoding.ASCII.GetBytes(headers), HostileBodies.Utf8(body), false, rid, reply, good)
        {
            ViaNatsNet = true,
        };
    }

    private HostileRequest Hostile(int i)
    {
        var target = Targets[_rng.Next(Targets.Length)];
        var reply = _rng.Next(10) == 0 ? null : ReplyPrefix + i; // 90 % expect an answer
        var subject = _rng.Next(30) == 0 ? OddSubjects[_rng.Next(OddSubjects.Length)] : MeshSubjects.Agent(target.Agent);
        var stream = _rng.Next(100) < (target.Streaming ? 70 : 10);

        var lines = new List<byte[]>();
        var labels = new List<string>();
        var clean = true; // header lines NATS.Net would write identically
        var requestId = RequestId(i, stream, lines, labels, ref clean);
        if (stream)
        {
            lines.Add(Ascii($"{MeshHeaders.Stream}: true"));
        }

        HeaderNoise(lines, labels, ref clean);
        var headerBlock = lines.Count == 0 && _rng.Next(2) == 0 ? null : Block(lines);
        var maxBody = maxPayload - (headerBlock?.Length ?? 0) - 64;
        var (body, bodyLabel) = _rng.Next(4) == 0 ? (HostileBodies.Utf8(target.Valid), "valid") : HostileBodies.Next(_rng, target.Valid, target.Key, maxBody);
        if (body.Length > maxBody)
        {
            body = body[..maxBody];
        }

        labels.Insert(0, bodyLabel);
        var streamSubject = stream ? StreamSubjectOf(requestId) : null;
        var answer = subject != MeshSubjects.Agent(target.Agent) ? null : streamSubject ?? reply;
        return new HostileRequest(i, string.Join('+', labels), target.Agent, subject, reply, headerBlock, body, stream, requestId, answer, null)
        {
            ViaNatsNet = clean && headerBlock is not null,
        };
    }

    /// <summary>The request id header (or none), as the bridge will read it; null when it is not plain printable ASCII.</summary>
    private string? RequestId(int i, bool stream, List<byte[]> lines, List<string> labels, ref bool clean)
    {
        var kind = _rng.Next(stream ? 12 : 16);
        string? text = kind switch
        {
            0 => null,
            1 => "",
            2 => $"r{i} with spaces",
            3 => "*",
            4 => $"r{i}.>",
            5 => $"r{i}.dotted.id",
            6 => $"r{i}..double",
            7 => $"R{i}-Upper_Case-Dash",
            8 => new string('L', 2000) + i,
            9 => $"r{i}\u0001ctl",
            10 => $"r{i}.*",
            _ => MeshIds.New(),
        };
        if (kind == 0)
        {
            labels.Add("no-rid");
            return "";
        }

        if (_rng.Next(12) == 0)
        {
            // Bad UTF-8 in the request id: the bridge can only echo what it decodes.
            lines.Add([.. Ascii($"{MeshHeaders.RequestId}: r{i}"), 0xFF, 0xC3, 0x28]);
            labels.Add("rid-bad-utf8");
            clean = false;
            return null;
        }

        if (kind is 1 or 9)
        {
            clean = false;
        }

        labels.Add(kind == 11 ? "rid" : "odd-rid");
        lines.Add(Ascii($"{MeshHeaders.RequestId}: {text}"));
        return text!.Trim(' ', '\t');
    }

    /// <summary>Junk around the headers the bridge reads: repeated, huge, non-ASCII, lines that are no header at all, hostile conversation ids.</summary>
    private void HeaderNoise(List<byte[]> lines, List<string> labels, ref bool clean)
    {
        if (_rng.Next(3) != 0)
        {
            return;
        }

        switch (_rng.Next(11))
        {
            case 0:
                lines.Add(Ascii("this line has no colon"));
                lines.Add(Ascii(": no name"));
                labels.Add("junk-lines");
                clean = false;
                break;
            case 1:
                lines.Add(Ascii("X-Pad: " + new string('p', 100_000)));
                labels.Add("100k-header");
                break;
            case 2:
                lines.Add([.. Ascii("X-Bin: "), 0xFF, 0xFE, 0x00, 0x7F, 0xC0, 0x80]);
                labels.Add("binary-header");
                clean = false;
                break;
            case 3:
                lines.Add([.. Ascii($"{MeshHeaders.ConversationId}: "), 0xFF, 0xC3, 0x28]);
                labels.Add("conv-bad-utf8");
                clean = false;
                break;
            case 4:
                lines.Add([.. Ascii($"{MeshHeaders.ConversationId}: "), 0xED, 0xA0, 0x80]);
                labels.Add("conv-surrogate-bytes");
                clean = false;
                break;
            case 5:
                lines.Add(Ascii($"{MeshHeaders.ConversationId}: " + new string('c', _rng.Next(257, 100_000))));
                labels.Add("conv-long");
                break;
            case 6:
                lines.Add(Ascii($"{MeshHeaders.ConversationId}: a\nX-Mesh-Status: ok\rb\u0001"));
                labels.Add("conv-control");
                clean = false;
                break;
            case 7:
                lines.Add(Ascii($"{MeshHeaders.ConversationId}: "));
                labels.Add("conv-empty");
                break;
            case 8:
                for (var n = 0; n < 50; n++)
                {
                    lines.Add(Ascii($"X-Mesh-Stream-Seq: {n}"));
                    lines.Add(Ascii($"{MeshHeaders.Status}: error"));
                }

                labels.Add("repeated-headers");
                clean = false;
                break;
            case 9:
                lines.Add(Ascii("x-mesh-conversation-id: ünï"));
                labels.Add("conv-latin1");
                clean = false;
                break;
            default:
                lines.Insert(0, Ascii($"{MeshHeaders.ConversationId}: conv-{_rng.Next(50)}"));
                labels.Add("conv");
                break;
        }
    }

    private static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    private static byte[] Block(List<byte[]> lines)
    {
        var block = new List<byte>("NATS/1.0\r\n"u8.ToArray());
        foreach (var line in lines)
        {
            block.AddRange(line);
            block.AddRange("\r\n"u8.ToArray());
        }

        block.AddRange("\r\n"u8.ToArray());
        return [.. block];
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*$")]
    private static partial Regex SubjectRule();
}
