using System.Diagnostics.Metrics;

namespace OamOrleans.Client;

/// <summary>
/// The client's instruments of meter <see cref="MeshTelemetry.MeterName"/> (the server's are the runtime's). Callers
/// check <see cref="Instrument.Enabled"/> before building tags, so an instrument nobody listens to costs a field read.
/// </summary>
internal static class ClientMetrics
{
    /// <summary>Calls a <see cref="MeshClient"/> sent again with the same request id, with <c>oam.agent</c> and <c>error.type</c> (why the attempt before failed).</summary>
    public static readonly Counter<long> CallRetries = MeshDiagnostics.Meter.CreateCounter<long>(
        "oam.client.call.retries", "{retry}", "Calls sent again with the same request id after an attempt got no answer");
}
