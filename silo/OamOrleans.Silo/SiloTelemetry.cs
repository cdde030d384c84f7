using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OamOrleans.Silo;

/// <summary>
/// OTLP export of the silo's traces, metrics and logs, on exactly when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
/// set. The OpenTelemetry SDK reads it and the other standard variables itself (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// <c>OTEL_SERVICE_NAME</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c>, ...). Without it no SDK is set up: the mesh's and
/// Orleans' instruments then cost next to nothing (no listener).
/// </summary>
internal static class SiloTelemetry
{
    public static bool Exporting(SiloOptions settings) => settings.OtlpEndpoint is not null;

    /// <summary>
    /// Orleans' grain-call spans and the trace context carried across grain calls, only while traces are exported: its
    /// grain-call filters cost on every grain call even with nothing listening (see README, Tracing).
    /// </summary>
    public static void ConfigureSilo(ISiloBuilder silo, SiloOptions settings)
    {
        if (Exporting(settings))
        {
            silo.AddActivityPropagation();
        }
    }

    /// <summary>The SDK, when something collects: OTLP export, or the web port's <c>/metrics</c> (its mount adds the Prometheus exporter).</summary>
    public static void AddServices(IServiceCollection services, SiloOptions settings)
    {
        if (Exporting(settings) || settings.HttpPort is not null)
        {
            AddSdk(services, settings);
        }
    }

    // Its own method: the OpenTelemetry assemblies load when it is compiled, so only a silo that collects pays for them.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddSdk(IServiceCollection services, SiloOptions settings)
    {
        var otel = services.AddOpenTelemetry().ConfigureResource(DescribeService);
        if (Exporting(settings))
        {
            otel.WithTracing(tracing => tracing.AddOpenAgentMeshInstrumentation())
                .WithMetrics(metrics => metrics.AddOpenAgentMeshInstrumentation())
                .UseOtlpExporter();
        }
    }

    /// <summary><c>service.name</c> oam-silo (unless <c>OTEL_SERVICE_NAME</c> says otherwise) and <c>service.instance.id</c> the mesh instance id.</summary>
    private static void DescribeService(ResourceBuilder resource) => resource
        .AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } name ? name : "oam-silo", autoGenerateServiceInstanceId: false)
        .AddDetector(services => new MeshInstanceDetector(services.GetRequiredService<IMeshHost>()));

    private sealed class MeshInstanceDetector(IMeshHost host) : IResourceDetector
    {
        public Resource Detect() => new([new KeyValuePair<string, object>("service.instance.id", host.InstanceId)]);
    }

    /// <summary>The start-up summary's line.</summary>
    public static string Describe(SiloOptions settings) => Exporting(settings)
        ? $"OTLP to {settings.OtlpEndpoint} (traces, metrics, logs)"
        : "off (set OTEL_EXPORTER_OTLP_ENDPOINT to export traces and metrics)";
}
