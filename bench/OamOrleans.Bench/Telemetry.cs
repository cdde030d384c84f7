using System.Diagnostics.Metrics;
using OamOrleans.Client;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace OamOrleans.Bench;

/// <summary>
/// A tracer provider (every span of our source and Orleans' grain calls sampled and recorded, then dropped: no exporter
/// cost is measured) and a meter listener on every instrument of our meter, attached only while a row runs.
/// </summary>
internal sealed class Telemetry : IDisposable
{
    private readonly TracerProvider _tracer;
    private readonly MeterListener _meters = new();
    private long _measurements;

    private Telemetry()
    {
        _tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(MeshTelemetry.ActivitySourceName, "Microsoft.Orleans.Application")
            .SetSampler(new AlwaysOnSampler())
            .Build();
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeshTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.SetMeasurementEventCallback<int>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.Start();
    }

    public static Telemetry Attach() => new();

    public void Dispose()
    {
        _meters.Dispose();
        _tracer.Dispose();
    }
}
