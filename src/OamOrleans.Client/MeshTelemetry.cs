namespace OamOrleans.Client;

/// <summary>
/// Names under which OamOrleans reports traces and metrics, for OpenTelemetry set-up
/// (<c>AddSource(MeshTelemetry.ActivitySourceName)</c>, <c>AddMeter(MeshTelemetry.MeterName)</c>).
/// </summary>
public static class MeshTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of the client, the bridge and agent calls.</summary>
    public const string ActivitySourceName = "OamOrleans";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of the client, the bridge and agent calls.</summary>
    public const string MeterName = "OamOrleans";
}
