using System.Diagnostics;
using NATS.Client.Core;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace OamOrleans.Telemetry.Tests;

/// <summary>A nats-server, a silo, and an OpenTelemetry tracer provider exporting to memory (our source and Orleans').</summary>
public sealed class TracingFixture : IAsyncLifetime
{
    private readonly List<Activity> _exported = [];
    private TracerProvider? _tracer;

    public NatsServer Nats { get; private set; } = null!;

    public TestSilo Silo { get; private set; } = null!;

    public NatsConnection Caller { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(global::OamOrleans.Client.MeshTelemetry.ActivitySourceName, "Microsoft.Orleans.Application")
            .AddInMemoryExporter(_exported)
            .Build();
        Nats = await NatsServer.StartAsync();
        Silo = await TestSilo.StartAsync(Nats.Url, agents: TelemetryMesh.SampleAndRelayAgents);
        Caller = new NatsConnection(new NatsOpts { Url = Nats.Url });
        await Caller.ConnectAsync();
    }

    /// <summary>The ended spans of <paramref name="trace"/> so far (the exporter's list grows while spans end elsewhere).</summary>
    public IReadOnlyList<Activity> Spans(ActivityTraceId trace)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return _exported.ToArray().Where(a => a is not null && a.TraceId == trace).ToList();
            }
            catch (ArgumentException) when (attempt < 10)
            {
                // The list grew while being copied: copy again.
            }
        }
    }

    /// <summary>Waits until the trace holds a span matching each of <paramref name="wanted"/>, and returns its spans.</summary>
    public async Task<IReadOnlyList<Activity>> WaitForSpansAsync(ActivityTraceId trace, params Func<Activity, bool>[] wanted)
    {
        IReadOnlyList<Activity> spans = [];
        await Poll.UntilAsync(() => wanted.All((spans = Spans(trace)).Any), $"spans of trace {trace}; have: {string.Join(", ", Spans(trace).Select(s => s.DisplayName))}");
        return spans;
    }

    public async Task DisposeAsync()
    {
        await Caller.DisposeAsync();
        await Silo.DisposeAsync();
        await Nats.DisposeAsync();
        _tracer?.Dispose();
    }
}
