using System.Diagnostics;
using System.Text.Json;
using NATS.Client.Core;

namespace OamOrleans.Bench;

/// <summary>One closed-loop run for the load process: NATS requests (<c>request</c>) or streams (<c>stream</c>).</summary>
internal sealed record LoadCommand(
    string Kind, string Subject, byte[] Body, string? ConversationPrefix, bool Mesh, int InFlight, double WarmupSeconds, double DurationSeconds,
    int ExpectedChunks = 0);

/// <summary>
/// The NATS load generator in a process of its own, so that the bench process's CPU time over a window is the host's
/// alone (the silos, the bridge, the raw subscriber), as it would be measured from outside. The parent writes one
/// <see cref="LoadCommand"/> per line; the child answers <c>start</c> when the measured window begins (after the
/// warm-up) and <c>done {sample}</c> at its end, and the parent reads the host's CPU time at those two points.
/// </summary>
internal sealed class LoadProcess : IAsyncDisposable
{
    private const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>The runtime's own default of <c>System.Threading.ThreadPool.UnfairSemaphoreSpinLimit</c>.</summary>
    private const string RuntimeDefaultSpinLimit = "70";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Process _process;
    private readonly SemaphoreSlim _one = new(1, 1);

    private LoadProcess(Process process) => _process = process;

    public static async Task<LoadProcess> StartAsync(string url) => new(await ChildAsync("load", url));

    /// <summary>Starts <c>oam-bench --role {role}</c> and waits for its <c>ready</c> line.</summary>
    public static async Task<Process> ChildAsync(string role, string url, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet", [typeof(LoadProcess).Assembly.Location, "--role", role, "--url", url])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        if (role.StartsWith("bare", StringComparison.Ordinal) && Environment.GetEnvironmentVariable(SpinLimitVariable) is null)
        {
            // A floor is a plain NATS.Net app: the runtime's default thread pool, not the no-spin setting this bench and
            // the silo host run with (an explicit DOTNET_ThreadPool_UnfairSemaphoreSpinLimit applies to every process).
            psi.Environment[SpinLimitVariable] = RuntimeDefaultSpinLimit;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start the {role} process");
        var line = await process.StandardOutput.ReadLineAsync();
        return line == "ready" ? process : throw new InvalidOperationException($"the {role} process said '{line}' instead of ready");
    }

    /// <summary>
    /// Runs one command; the sample carries the host's CPU µs per request read with <paramref name="hostCpu"/>, and,
    /// when the host is this process (<paramref name="selfHosted"/>), the bytes it allocated per request.
    /// </summary>
    public async Task<Sample> RunAsync(LoadCommand command, Func<TimeSpan> hostCpu, bool selfHosted = false)
    {
        await _one.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command, Json));
            await _process.StandardInput.FlushAsync();
            TimeSpan? cpu0 = null;
            var server0 = TimeSpan.Zero;
            long alloc0 = 0;
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line == "start")
                {
                    cpu0 = hostCpu();
                    server0 = HostCpu.OfServer();
                    alloc0 = GC.GetTotalAllocatedBytes(precise: true);
                }
                else if (line.StartsWith("done ", StringComparison.Ordinal))
                {
                    var cpu = hostCpu() - (cpu0 ?? throw new InvalidOperationException("done before start"));
                    var allocated = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
                    var sample = JsonSerializer.Deserialize<Sample>(line.AsSpan(5), Json)!;
                    return sample with
                    {
                        HostCpuUs = HostCpu.PerRequestUs(cpu, sample.Completed),
                        HostAllocBytes = selfHosted ? HostCpu.PerRequest(allocated, sample.Completed) : null,
                        ServerCpuUs = HostCpu.ServerPerRequestUs(server0, sample.Completed),
                    };
                }
            }

            throw new InvalidOperationException("the load process ended");
        }
        finally
        {
            _one.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _one.Dispose();
    }

    /// <summary>Child-process role: <c>oam-bench --role load --url nats://…</c>; one command per stdin line.</summary>
    public static async Task<int> ServeAsync(string url)
    {
        // The caller: one client connection, as an OpenAgentMesh client would have.
        await using var caller = new NatsConnection(new NatsOpts { Url = url, Name = "bench-caller", RequestTimeout = TimeSpan.FromSeconds(60) });
        await caller.ConnectAsync();
        var instanceId = Guid.NewGuid().ToString("N");
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var c = JsonSerializer.Deserialize<LoadCommand>(line, Json)!;
            var warmup = TimeSpan.FromSeconds(c.WarmupSeconds);
            var duration = TimeSpan.FromSeconds(c.DurationSeconds);
            var sample = c.Kind == "stream"
                ? await Streaming.RunAsync(caller, instanceId, c.Subject, c.Body, c.ExpectedChunks, c.InFlight, warmup, duration, WindowStarting)
                : await Load.RunAsync(c.InFlight, warmup, duration, Request(caller, instanceId, c), windowStarting: WindowStarting);
            Console.Out.WriteLine("done " + JsonSerializer.Serialize(sample, Json));
            Console.Out.Flush();
        }

        return 0;
    }

    private static void WindowStarting()
    {
        Console.Out.WriteLine("start");
        Console.Out.Flush();
    }

    private static Func<int, Task<bool>> Request(NatsConnection caller, string instanceId, LoadCommand c) => async w =>
    {
        var headers = new NatsHeaders
        {
            ["X-Mesh-Request-Id"] = Guid.NewGuid().ToString("N"),
            ["X-Mesh-Instance-Id"] = instanceId,
        };
        if (c.ConversationPrefix is { } prefix)
        {
            headers["X-Mesh-Conversation-Id"] = prefix + w;
        }

        var reply = await caller.RequestAsync<byte[], byte[]>(c.Subject, c.Body, headers);
        return !c.Mesh || (reply.Headers is { } h && h.TryGetValue("X-Mesh-Status", out var s) && s == "ok");
    };
}
