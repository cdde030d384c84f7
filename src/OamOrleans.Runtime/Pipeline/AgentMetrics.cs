using System.Diagnostics.Metrics;
using OamOrleans.Client;

namespace OamOrleans.Pipeline;

/// <summary>
/// The server's instruments of meter <see cref="MeshTelemetry.MeterName"/> (requests, streams, batches, tokens, events,
/// failover). Every one carries the agent name as <c>oam.agent</c>. Callers check <see cref="Instrument.Enabled"/> before
/// building tags, so an instrument nobody listens to costs a field read.
/// </summary>
internal static class AgentMetrics
{
    /// <summary>Requests an agent finished, with <c>oam.status</c> (ok, error), <c>error.type</c> (the code) and <c>oam.transport</c> (nats, cluster).</summary>
    public static readonly Counter<long> Requests = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.requests", "{request}", "Requests an agent finished, by status and error code");

    /// <summary>Time from receipt to the answer (or a stream's end), with <c>oam.status</c>.</summary>
    public static readonly Histogram<double> Duration = MeshDiagnostics.Meter.CreateHistogram(
        "oam.agent.request.duration", "s", "Time from a request's receipt to its answer or a stream's end",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    /// <summary>Requests received and not yet answered.</summary>
    public static readonly UpDownCounter<long> Active = MeshDiagnostics.Meter.CreateUpDownCounter<long>(
        "oam.agent.requests.active", "{request}", "Requests an agent is handling now");

    /// <summary>Requests of a stateless agent sent to its grain in one call.</summary>
    public static readonly Histogram<int> BatchSize = MeshDiagnostics.Meter.CreateHistogram(
        "oam.agent.batch.size", "{request}", "Requests sent to a stateless agent's grain in one call",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32] });

    /// <summary>Requests answered <c>invalid_input</c>.</summary>
    public static readonly Counter<long> ValidationFailures = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.validation_failures", "{request}", "Requests whose input failed validation");

    /// <summary>Streams an agent ended, with <c>oam.status</c>.</summary>
    public static readonly Counter<long> Streams = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.streams", "{stream}", "Streams an agent ended, by status");

    /// <summary>Chunks an agent streamed.</summary>
    public static readonly Counter<long> StreamChunks = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.stream.chunks", "{chunk}", "Chunks an agent streamed");

    /// <summary>Events a publisher agent published on <c>mesh.agent.{name}.events</c>.</summary>
    public static readonly Counter<long> Events = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.events", "{event}", "Events a publisher agent published");

    /// <summary>Tokens reported as usage, with <c>gen_ai.token.type</c> (input, output).</summary>
    public static readonly Counter<long> Tokens = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.usage.tokens", "{token}", "Tokens agents reported as usage");

    /// <summary>Grain calls tried again because the silo holding the activation was lost.</summary>
    public static readonly Counter<long> FailoverRetries = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.agent.failover.retries", "{retry}", "Grain calls retried after a lost silo");
}
