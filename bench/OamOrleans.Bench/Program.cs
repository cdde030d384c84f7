using OamOrleans.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans;
using OamOrleans.Bench;
using OamOrleans.Samples.Agents;

if (args is ["--role", var role, "--url", var roleUrl])
{
    // Child processes of a run: the load generator and the bare NATS.Net responders (see LoadProcess, BareResponder, BareKvResponder).
    return role switch
    {
        "load" => await LoadProcess.ServeAsync(roleUrl),
        "bare-kv" => await BareKvResponder.ServeAsync(roleUrl),
        _ => await BareResponder.ServeAsync(roleUrl),
    };
}

var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.WriteLine(BenchOptions.Usage);
    return 2;
}

const int StreamChunks = 100;

// The runtime has a streaming agent base class and the samples a streamer (demo.words).
var StreamingSupported =
    typeof(AgentGrain).Assembly.GetTypes().Any(t => t.Name.StartsWith("StreamingAgent", StringComparison.Ordinal) || t.Name.StartsWith("StreamerAgent", StringComparison.Ordinal)) &&
    typeof(EchoAgent).Assembly.GetTypes().Any(t => t.GetCustomAttributes(typeof(AgentAttribute), false) is [AgentAttribute { Name: "demo.words" }]);
var total = Stopwatch.StartNew();
var machine = MachineInfo.Collect();
Console.WriteLine($"oam-bench: {machine.Describe()}");
Console.WriteLine($"mode: {(options.Quick ? "quick" : "full")}, {options.Reps} reps x {options.Duration.TotalSeconds:0.##} s (+{options.Warmup.TotalSeconds:0.##} s warm-up) per cell, in flight {string.Join("/", options.InFlight)}, scale N={options.ScaleN}");

await using var nats = await NatsServer.StartAsync();
HostCpu.Server = Process.GetProcessById(nats.ProcessId);
var instanceId = Guid.NewGuid().ToString("N");
var echoBody = """{"message":"hello"}"""u8.ToArray();
var counterBody = "{}"u8.ToArray();

// The floor: a plain NATS subscriber echoing the body, on its own connection.
await using var rawConn = new NatsConnection(new NatsOpts { Url = nats.Url, Name = "bench-raw-echo" });
await rawConn.ConnectAsync();
machine = machine with { NatsServer = $"nats-server: v{rawConn.ServerInfo?.Version}" };
var rawSub = await rawConn.SubscribeCoreAsync<byte[]>("bench.raw.echo");
var rawLoop = Task.Run(async () =>
{
    await foreach (var msg in rawSub.Msgs.ReadAllAsync())
    {
        await msg.ReplyAsync(msg.Data);
    }
});

// The .NET floor: a bare NATS.Net responder in a process of its own (its CPU is read from outside).
using var bare = await LoadProcess.ChildAsync("bare", nats.Url);

// The load generator: NATS requests from a process of its own, so this process's CPU time is the host's alone.
await using var load = await LoadProcess.StartAsync(nats.Url);

// The KV write row's caller (that row's host is the nats-server; its CPU column is the caller's).
await using var caller = new NatsConnection(new NatsOpts { Url = nats.Url, Name = "bench-caller", RequestTimeout = TimeSpan.FromSeconds(60) });
await caller.ConnectAsync();

var results = new List<RowResult>();
async Task MeasureAsync(string phase, IReadOnlyList<Row> rows)
{
    var cells = rows.SelectMany(r => options.InFlight.Select(n => (Row: r, InFlight: n))).ToList();
    var samples = cells.ToDictionary(c => c, _ => new List<Sample>());
    for (var rep = 0; rep < options.Reps; rep++)
    {
        // Interleaved: every cell once per repetition, so drift and noise hit all paths alike.
        foreach (var cell in cells)
        {
            using var types = options.AllocTypes && cell.Row.Id != "raw" && cell.Row.Id != "bare" ? new AllocationTypes() : null;
            var sample = await cell.Row.Run(cell.InFlight);
            types?.Print(Console.Error, $"{cell.Row.Label} x{cell.InFlight}");
            samples[cell].Add(sample);
            Console.Error.WriteLine($"  [{phase} rep {rep + 1}/{options.Reps}] {cell.Row.Label,-46} x{cell.InFlight,-3} {sample.Throughput,10:N0} req/s  p50 {sample.P50Us,8:N0} us  p99 {sample.P99Us,8:N0} us{(sample.Errors > 0 ? $"  ERRORS {sample.Errors}" : "")}");
        }
    }

    foreach (var cell in cells)
    {
        var s = samples[cell];
        results.Add(new RowResult(
            cell.Row.Id, cell.Row.Label, phase, cell.InFlight,
            Load.Median(s.Select(x => x.P50Us)), Load.Median(s.Select(x => x.P99Us)), Load.Median(s.Select(x => x.Throughput)),
            s.Sum(x => x.Errors), s)
        {
            HostCpuUs = s.All(x => x.HostCpuUs is not null) ? Load.Median(s.Select(x => x.HostCpuUs!.Value)) : null,
            HostAllocBytes = s.All(x => x.HostAllocBytes is not null) ? Load.Median(s.Select(x => x.HostAllocBytes!.Value)) : null,
            ServerCpuUs = s.All(x => x.ServerCpuUs is not null) ? Load.Median(s.Select(x => x.ServerCpuUs!.Value)) : null,
            CallerInHost = cell.Row.CallerInHost,
        });
    }
}

LoadCommand Command(string subject, byte[] body, int n, string? conversationPrefix = null, bool mesh = true) =>
    new("request", subject, body, conversationPrefix, mesh, n, options.Warmup.TotalSeconds, options.Duration.TotalSeconds);

Row NatsRow(string id, string label, string subject, byte[] body, Func<int, string>? conversationPrefix = null, bool mesh = true) =>
    new(id, label, n => load.RunAsync(Command(subject, body, n, conversationPrefix?.Invoke(n), mesh), HostCpu.Self, selfHosted: true));

Row BareRow(string label) =>
    new("bare", label, n => load.RunAsync(Command(BareResponder.Subject, echoBody, n), () => HostCpu.Of(bare)));

bool Wanted(string id) => options.Only is null || id is "raw" or "bare" or "bare-kv" || options.Only.Contains(id);

// Phase A: silo-local memory grain storage; every path.
string? kvNote = null;
{
    Console.Error.WriteLine("starting silo (silo-local memory storage) + external Orleans client ...");
    await using var silo = await BenchSilo.StartAsync(nats.Url, StateStorage.Memory);
    await using var client = await BenchClient.StartAsync(silo.GatewayPort);
    await using var mcp = Wanted("mcp") ? await McpExport.StartAsync(nats.Url) : null;
    var viaClient = client.Client.GetAgent<EchoAgent>();
    var relay = silo.Grains.GetAgent<RelayAgent>();
    var echoIn = new EchoIn("hello");
    var rows = new List<Row>
    {
        NatsRow("raw", "raw NATS request/reply echo (floor)", "bench.raw.echo", echoBody, mesh: false),
        BareRow("bare NATS.Net responder, own process (CPU floor)"),
        NatsRow("echo", "NATS → bridge → stateless agent (demo.echo)", "mesh.agent.demo.echo", echoBody),
        new("echo-traced", "… the same with a tracer provider and a meter listener attached", async n =>
        {
            using var telemetry = Telemetry.Attach();
            return await load.RunAsync(Command("mesh.agent.demo.echo", echoBody, n), HostCpu.Self, selfHosted: true);
        }),
        NatsRow("counter", "NATS → bridge → conversational, memory state (demo.counter)", "mesh.agent.demo.counter", counterBody, n => $"bench-{n}-"),
        new("insilo", "in-silo agent → agent by name (bench.relay → demo.echo)", async n =>
        {
            var r = await relay.CallAsync<RelayOut>(new RelayIn(n, (int)options.Warmup.TotalMilliseconds, (int)options.Duration.TotalMilliseconds));
            return new Sample(r.Completed, r.Errors, r.Seconds, r.P50Us, r.P99Us) { HostCpuUs = r.HostCpuUs, HostAllocBytes = r.HostAllocBytes };
        }, CallerInHost: true),
        new("client", "external Orleans client → agent grain (demo.echo)", n => Load.RunWithSelfCpuAsync(n, options.Warmup, options.Duration,
            async _ => (await viaClient.CallAsync<EchoOut>(echoIn)).Reply == "Echo: hello"), CallerInHost: true),
        new("mcp", "MCP client → oam mcp serve (stdio) → bridge → demo.echo", n => Load.RunWithSelfCpuAsync(n, options.Warmup, options.Duration,
            _ => mcp!.CallEchoAsync()), CallerInHost: true),
    };
    await using var aiRows = await AIFunctionRows.StartAsync(nats.Url, options);
    rows.AddRange(aiRows.Rows);
    if (StreamingSupported)
    {
        // Throughput of this row is chunks/s; its latencies are time to first chunk.
        var words = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { message = string.Join(' ', Enumerable.Range(0, StreamChunks).Select(i => $"w{i}")) }));
        rows.Add(new("stream", $"streaming demo.words ({StreamChunks} chunks/stream): chunks/s, time to 1st chunk, CPU per chunk", n =>
            load.RunAsync(Command("demo.words", words, n) with { Kind = "stream", ExpectedChunks = StreamChunks }, HostCpu.Self, selfHosted: true)));
    }

    await MeasureAsync("memory", rows.Where(r => Wanted(r.Id)).ToList());
}

// Phase S: the real silo process (oam-silo.dll, default settings), its CPU read from outside; start-up and idle too.
SiloProcessResult? siloProcess = null;
if (Wanted("silo-echo") || Wanted("silo-counter"))
{
    Console.Error.WriteLine("starting the oam-silo process ...");
    await using var silo = await SiloProcess.StartAsync(nats.Url, caller, options.SiloEnv);
    Console.Error.WriteLine($"  first reply {silo.FirstReplySeconds:N2} s after process start");
    Row SiloRow(string id, string label, string subject, byte[] body, string? conversationPrefix = null) =>
        new(id, label, n => load.RunAsync(Command(subject, body, n, conversationPrefix is null ? null : conversationPrefix + n + "-"), () => HostCpu.Of(silo.Process)));
    // A fresh process: JIT tiering (and PGO) runs for seconds under load; its CPU is start-up, not steady state.
    foreach (var (subject, body, prefix) in new[] { ("mesh.agent.demo.echo", echoBody, (string?)null), ("mesh.agent.demo.counter", counterBody, "silo-warm-") })
    {
        await load.RunAsync(new LoadCommand("request", subject, body, prefix, true, 64, 0, Math.Max(3, options.Warmup.TotalSeconds * 3)), () => TimeSpan.Zero);
    }

    await MeasureAsync("silo-process", new List<Row>
    {
        NatsRow("raw", "raw NATS request/reply echo (re-measured, silo-process phase)", "bench.raw.echo", echoBody, mesh: false),
        BareRow("bare NATS.Net responder (re-measured, silo-process phase)"),
        SiloRow("silo-echo", "NATS → oam-silo process → stateless agent (demo.echo)", "mesh.agent.demo.echo", echoBody),
        SiloRow("silo-counter", "NATS → oam-silo process → conversational, memory state (demo.counter)", "mesh.agent.demo.counter", counterBody, "silo-"),
    }.Where(r => Wanted(r.Id)).ToList());
    siloProcess = await silo.MeasureIdleAsync(TimeSpan.FromSeconds(5));
    Console.Error.WriteLine($"  idle: {siloProcess.IdleCpuMsPerSecond:N1} ms CPU/s, RSS {siloProcess.IdleRssMiB:N0} MiB");
}

// Phase B: the same conversational agent on NATS JetStream KV grain storage (a fresh silo: storage "oam-state").
if (!options.NoKv && (Wanted("counter-kv") || Wanted("kv-write") || Wanted("kv-write-state")))
{
    Console.Error.WriteLine("starting silo (NATS KV storage) ...");
    try
    {
        await using var silo = await BenchSilo.StartAsync(nats.Url, StateStorage.NatsKv);
        // The KV floor writes exactly what a turn of this build stores (a full turn log: more turns than the default keeps).
        var turnValue = await BareKvResponder.StoredTurnAsync(caller, OamOrleans.Persistence.Nats.NatsGrainStorageOptions.DefaultBucketName, BenchSilo.TurnLogSize + 4);
        Console.Error.WriteLine($"  a demo.counter turn stores {turnValue.Length:N0} bytes");
        using var bareKv = await LoadProcess.ChildAsync("bare-kv", nats.Url, new Dictionary<string, string> { [BareKvResponder.ValueVariable] = Convert.ToBase64String(turnValue) });
        var kvWrites = await KvWrites.OpenAsync(caller, turnValue);
        var kvStateWrites = await KvWrites.OpenAsync(caller, KvWrites.StateOnly);
        await MeasureAsync("nats-kv", new List<Row>
        {
            NatsRow("raw", "raw NATS request/reply echo (re-measured, KV phase)", "bench.raw.echo", echoBody, mesh: false),
            BareRow("bare NATS.Net responder (re-measured, KV phase)"),
            NatsRow("counter-kv", "NATS → bridge → conversational, NATS KV state (demo.counter)", "mesh.agent.demo.counter", counterBody, n => $"bench-kv-{n}-"),
            new("bare-kv", $"bare NATS.Net KV responder, own process: compare-and-set of the conversation's key with a turn's stored bytes ({turnValue.Length:N0} B), then reply (KV floor)",
                n => load.RunAsync(Command(BareKvResponder.Subject, counterBody, n, $"bench-kv-{n}-"), () => HostCpu.Of(bareKv))),
            new("kv-write", $"NATS KV write with revision check, one key per worker, a turn's stored bytes ({turnValue.Length:N0} B: state + turn log; the write each KV turn makes)", n => kvWrites.RunAsync(n, options.Warmup, options.Duration),
                CallerInHost: true),
            new("kv-write-state", "… the same write of the bare state (11 bytes, no turn log)", n => kvStateWrites.RunAsync(n, options.Warmup, options.Duration),
                CallerInHost: true),
        }.Where(r => Wanted(r.Id)).ToList());
    }
    catch (Exception e)
    {
        kvNote = $"n/a (NATS KV storage failed: {e.GetType().Name}: {e.Message})";
        Console.Error.WriteLine(kvNote);
    }
}

string? streaming = StreamingSupported ? null : "n/a (streaming not implemented yet)";

// Scale run: N distinct conversations through the bridge, a fresh silo.
ScaleResult? scale = null;
if (options.ScaleN > 0)
{
    scale = await Scale.RunAsync(nats.Url, options.ScaleN, options.ScaleStorage);
}

await rawSub.UnsubscribeAsync();
await rawLoop;

var report = new Report(
    DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    "oam-bench " + string.Join(' ', args),
    GitCommit(),
    machine,
    options.Quick ? "quick" : "full",
    options.Reps,
    options.Duration.TotalSeconds,
    options.Warmup.TotalSeconds,
    Report.WithRatios(results),
    kvNote,
    streaming,
    scale,
    siloProcess,
    total.Elapsed.TotalSeconds);

Console.WriteLine();
Console.WriteLine(report.ToMarkdown());
if (options.Out is { } outPath)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
    await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, Report.JsonOptions));
    Console.WriteLine($"JSON written to {outPath}");
}

if (options.WriteBaseline is { } baselineOut)
{
    await Baseline.From(report).WriteAsync(baselineOut);
    Console.WriteLine($"baseline written to {baselineOut}");
}

if (results.Any(r => r.Errors > 0) || scale is { Correct: false })
{
    return 1;
}

if (options.CheckBaseline is { } baselineIn)
{
    var failures = (await Baseline.ReadAsync(baselineIn)).Check(report, Console.Out);
    if (failures.Count > 0)
    {
        Console.Error.WriteLine($"BENCHMARK REGRESSION: {failures.Count} cell(s) beyond the tolerance of {baselineIn}:");
        failures.ForEach(f => Console.Error.WriteLine("  " + f));
        Console.Error.WriteLine("Re-run once to rule out noise (the machine is shared); if it holds, find the cause before merging.");
        return 3;
    }

    Console.WriteLine($"baseline check passed ({baselineIn})");
}

return 0;


static string? GitCommit()
{
    try
    {
        var psi = new ProcessStartInfo("git", ["rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var s = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return p.ExitCode == 0 && s.Length > 0 ? s : Environment.GetEnvironmentVariable("OAM_BENCH_COMMIT");
    }
    catch (Exception)
    {
        return Environment.GetEnvironmentVariable("OAM_BENCH_COMMIT");
    }
}

namespace OamOrleans.Bench
{
    /// <param name="CallerInHost">The caller runs in the bench process too, so its CPU column includes the caller's share.</param>
    internal sealed record Row(string Id, string Label, Func<int, Task<Sample>> Run, bool CallerInHost = false);

    internal sealed record RowResult(
        string Id, string Label, string Phase, int InFlight, double P50Us, double P99Us, double Throughput, long Errors, List<Sample> Reps)
    {
        public double? ThroughputVsRaw { get; init; }

        public double? P50VsRaw { get; init; }

        /// <summary>Median host CPU µs per request (per chunk for the stream row).</summary>
        public double? HostCpuUs { get; init; }

        /// <summary>Median bytes the host process allocated per request (rows hosted in the bench process only).</summary>
        public double? HostAllocBytes { get; init; }

        /// <summary>Median nats-server CPU µs per request.</summary>
        public double? ServerCpuUs { get; init; }

        /// <summary>Host CPU per request ÷ the bare NATS.Net responder's, same phase and in-flight level.</summary>
        public double? CpuVsBare { get; init; }

        public bool CallerInHost { get; init; }
    }

    internal sealed record BenchOptions(
        bool Quick, int Reps, TimeSpan Duration, TimeSpan Warmup, int[] InFlight, int ScaleN, StateStorage ScaleStorage, bool NoKv, string? Out, HashSet<string>? Only)
    {
        /// <summary>Environment variables for the oam-silo process only (<c>--silo-env K=V</c>, repeatable): runtime knobs to A/B.</summary>
        public Dictionary<string, string> SiloEnv { get; init; } = [];

        /// <summary><c>--alloc-types</c>: print the types the host allocates while each row runs (sampled).</summary>
        public bool AllocTypes { get; init; }

        /// <summary><c>--check-baseline file</c>: compare this run to a saved baseline, exit 3 on a regression.</summary>
        public string? CheckBaseline { get; init; }

        /// <summary><c>--write-baseline file</c>: save this run's guarded ratios and allocation budget.</summary>
        public string? WriteBaseline { get; init; }

        public const string Usage = """
            oam-bench [--quick] [--reps N] [--duration S] [--warmup S] [--in-flight 1,64] [--scale N] [--scale-storage memory|kv]
                      [--no-kv] [--only echo,echo-traced,counter,counter-kv,kv-write,kv-write-state,insilo,client,mesh-client,aifunction,stream,mcp,silo-echo,silo-counter]
                      [--silo-env NAME=VALUE]... [--out results.json] [--write-baseline file] [--check-baseline file] [--alloc-types]
              --quick      smoke run, ~2 min: 2 reps x 1 s, scale N=2000
              full run     5 reps x 3 s per cell, scale N=100000 (--scale 1000000 for the 1M run; --scale 0 skips it)
            """;

        public static BenchOptions? Parse(string[] args)
        {
            var quick = args.Contains("--quick");
            var o = new BenchOptions(quick, quick ? 2 : 5, TimeSpan.FromSeconds(quick ? 1 : 3), TimeSpan.FromSeconds(quick ? 0.3 : 1), [1, 64],
                quick ? 2000 : 100_000, StateStorage.Memory, false, null, null);
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--quick": break;
                    case "--reps": o = o with { Reps = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                    case "--duration": o = o with { Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) }; break;
                    case "--warmup": o = o with { Warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) }; break;
                    case "--in-flight": o = o with { InFlight = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() }; break;
                    case "--scale": o = o with { ScaleN = int.Parse(Next().Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) }; break;
                    case "--scale-storage": o = o with { ScaleStorage = Next() == "kv" ? StateStorage.NatsKv : StateStorage.Memory }; break;
                    case "--no-kv": o = o with { NoKv = true }; break;
                    case "--out": o = o with { Out = Next() }; break;
                    case "--only": o = o with { Only = Next().Split(',').ToHashSet() }; break;
                    case "--alloc-types": o = o with { AllocTypes = true }; break;
                    case "--check-baseline": o = o with { CheckBaseline = Next() }; break;
                    case "--write-baseline": o = o with { WriteBaseline = Next() }; break;
                    case "--silo-env":
                        var kv = Next().Split('=', 2);
                        o = o with { SiloEnv = new(o.SiloEnv) { [kv[0]] = kv.Length > 1 ? kv[1] : "" } };
                        break;
                    default: return null;
                }
            }

            return o;
        }
    }

    internal sealed record MachineInfo(string Cpu, int Cores, double MemoryGiB, string Os, string Runtime, string Gc, string? NatsServer)
    {
        public static MachineInfo Collect()
        {
            var cpu = "unknown CPU";
            try
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            }
            catch (IOException)
            {
            }

            var gc = System.Runtime.GCSettings.IsServerGC ? "server GC" : "workstation GC";
            gc += System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Interactive ? " (concurrent)" : "";
            return new MachineInfo(cpu, Environment.ProcessorCount, Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
                RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, gc, null);
        }

        public string Describe() => $"{Cores} cores ({Cpu}), {MemoryGiB} GiB, {Os}, {Runtime}, {Gc}{(NatsServer is null ? "" : $", {NatsServer}")}";
    }

    internal sealed record Report(
        string Timestamp, string Command, string? Commit, MachineInfo Machine, string Mode, int Reps, double DurationSeconds, double WarmupSeconds,
        List<RowResult> Rows, string? KvNote, string? Streaming, ScaleResult? Scale, SiloProcessResult? SiloProcess, double TotalSeconds)
    {
        public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

        /// <summary>Ratios to the raw NATS row (speed) and the bare responder row (CPU) of the same phase and in-flight level.</summary>
        public static List<RowResult> WithRatios(List<RowResult> rows) =>
            rows.Select(r => rows.FirstOrDefault(x => x.Id == "raw" && x.Phase == r.Phase && x.InFlight == r.InFlight) is { } raw
                ? r with { ThroughputVsRaw = r.Throughput / raw.Throughput, P50VsRaw = r.P50Us / raw.P50Us }
                : r)
            .Select(r => rows.FirstOrDefault(x => x.Id == "bare" && x.Phase == r.Phase && x.InFlight == r.InFlight) is { HostCpuUs: { } floor } && r.HostCpuUs is { } cpu
                ? r with { CpuVsBare = cpu / floor }
                : r).ToList();

        public string ToMarkdown()
        {
            var sb = new StringBuilder();
            sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Describe()}. Commit {Commit ?? "?"}, {Timestamp}.");
            sb.AppendLine(CultureInfo.InvariantCulture, $"Command: `{Command}` — medians of {Reps} repetitions x {DurationSeconds:0.##} s; ratios to the raw NATS row of the same phase.");
            sb.AppendLine();
            sb.AppendLine("| Path | in flight | p50 µs | p99 µs | req/s | req/s ÷ raw | p50 ÷ raw | host CPU µs/req | CPU ÷ bare | host B/req | nats-server CPU µs/req |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in Rows)
            {
                var cpu = r.HostCpuUs is { } c ? c.ToString("N1", CultureInfo.InvariantCulture) + (r.CallerInHost ? " †" : "") : "–";
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Label} | {r.InFlight} | {r.P50Us:N0} | {r.P99Us:N0} | {r.Throughput:N0} | {r.ThroughputVsRaw:0.00}× | {r.P50VsRaw:0.00}× | {cpu} | {r.CpuVsBare:0.00}× | {(r.HostAllocBytes is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) : "–")} | {(r.ServerCpuUs is { } sc ? sc.ToString("N1", CultureInfo.InvariantCulture) : "–")} |{(r.Errors > 0 ? $" **{r.Errors} errors**" : "")}");
            }

            sb.AppendLine();
            sb.AppendLine("Host CPU: CPU time of the process hosting the path over the measured window ÷ requests (chunks for the stream row); the NATS load comes from a process of its own. Host B/req: bytes the bench process allocated over the window ÷ requests (rows it hosts). † the caller runs in the bench process too, so its share is included (KV write: the caller's CPU only; its host is nats-server). nats-server CPU: the server's CPU time over the same window ÷ requests: with the load generator and the host it shares the machine's cores, so what it spends per request bounds every row's req/s.");

            foreach (var kv in Rows.Where(r => r.Id == "counter-kv"))
            {
                if (Rows.FirstOrDefault(x => x.Id == "bare-kv" && x.Phase == kv.Phase && x.InFlight == kv.InFlight) is { } floor)
                {
                    sb.AppendLine(CultureInfo.InvariantCulture,
                        $"NATS KV turn at {kv.InFlight} in flight: req/s {kv.ThroughputVsRaw:0.00}× raw, {kv.Throughput / floor.Throughput:0.00}× the bare KV responder (same bytes written); host CPU {kv.HostCpuUs / floor.HostCpuUs:0.00}× its.");
                }
            }

            if (KvNote is not null)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| NATS → bridge → conversational, NATS KV state | – | {KvNote} | | | | |");
            }

            if (Streaming is not null)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| streaming: chunks/s, time to first chunk | – | {Streaming} | | | | |");
            }

            if (SiloProcess is { } p)
            {
                sb.AppendLine();
                sb.AppendLine(CultureInfo.InvariantCulture, $"oam-silo process (default settings): first reply {p.FirstReplySeconds:N2} s after process start; idle {p.IdleCpuMsPerSecond:N1} ms CPU per second, RSS {p.IdleRssMiB:N0} MiB (5 s after the rows).");
            }

            if (Scale is { } s)
            {
                sb.AppendLine();
                sb.AppendLine(CultureInfo.InvariantCulture, $"Scale run: {s.Conversations:N0} distinct conversations of demo.counter through the bridge ({s.Storage} storage, {s.InFlight} in flight):");
                sb.AppendLine();
                sb.AppendLine("| Measure | Value |");
                sb.AppendLine("|---|---:|");
                sb.AppendLine(CultureInfo.InvariantCulture, $"| activating: conversations/s | {s.ActivateThroughput:N0} |");
                sb.AppendLine(CultureInfo.InvariantCulture, $"| activations after the run (all grain types) | {s.ActivationsAfter:N0} |");
                sb.AppendLine(CultureInfo.InvariantCulture, $"| GC heap per conversation (after forced GC) | {s.HeapBytesPerConversation:N0} B |");
                sb.AppendLine(CultureInfo.InvariantCulture, $"| working set per conversation | {s.WorkingSetBytesPerConversation:N0} B |");
                sb.AppendLine(CultureInfo.InvariantCulture, $"| GC heap / working set after activating | {s.HeapAfterMiB:N0} MiB / {s.WorkingSetAfterMiB:N0} MiB |");
                sb.AppendLine(CultureInfo.InvariantCulture, $"| deactivate all (ForceActivationCollection) | {s.DeactivateSeconds:N1} s, {s.ActivationsAfterCollection:N0} counter activations left |");
                sb.AppendLine(CultureInfo.InvariantCulture, $"| reload + re-read every conversation: conversations/s | {s.ReloadThroughput:N0} |");
                sb.AppendLine(CultureInfo.InvariantCulture, $"| state correct after reload | {s.CorrectCount:N0} / {s.Conversations:N0} ({(s.Correct ? "all correct" : $"{s.Errors} errors")}) |");
            }

            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"Total run time {TotalSeconds:N0} s.");
            return sb.ToString();
        }
    }
}
