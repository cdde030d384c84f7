using OamOrleans.Client;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OamOrleans.Hosting;

/// <summary>The activity sources and meters of an OamOrleans silo, for an OpenTelemetry SDK set-up.</summary>
public static class MeshTelemetryProviderBuilderExtensions
{
    /// <summary>Orleans' meter: grain calls, activations, messaging, membership.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>Collects the mesh's spans (<see cref="MeshTelemetry.ActivitySourceName"/>) and Orleans' grain-call spans
    /// (<c>Microsoft.Orleans.Runtime</c>, <c>Microsoft.Orleans.Application</c>; the silo needs
    /// <c>AddActivityPropagation()</c> for those to form one trace across silos).</summary>
    public static TracerProviderBuilder AddOpenAgentMeshInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(
            MeshTelemetry.ActivitySourceName,
            Orleans.Diagnostics.ActivitySources.RuntimeActivitySourceName,
            Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName);
    }

    /// <summary>Collects the mesh's meter (<see cref="MeshTelemetry.MeterName"/>) and Orleans' (<see cref="OrleansMeterName"/>).</summary>
    public static MeterProviderBuilder AddOpenAgentMeshInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(MeshTelemetry.MeterName, OrleansMeterName);
    }
}
