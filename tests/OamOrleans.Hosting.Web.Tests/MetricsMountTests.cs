using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace OamOrleans.Hosting.Web.Tests;

/// <summary>
/// The meter set-up of the silo's <c>/metrics</c> mount (<c>AddOpenAgentMeshInstrumentation</c> + the Prometheus exporter)
/// in an in-process web host: instruments of both meters it names reach the scrape, instruments of others do not.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MetricsMountTests
{
    [Fact]
    public async Task Scrape_includes_the_OamOrleans_and_Orleans_meters_and_nothing_else()
    {
        var port = NatsServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddOpenAgentMeshInstrumentation().AddPrometheusExporter());
        await using var app = builder.Build();
        app.MapPrometheusScrapingEndpoint();
        await app.StartAsync();

        using var mesh = new Meter(MeshTelemetry.MeterName);
        using var orleans = new Meter(MeshTelemetryProviderBuilderExtensions.OrleansMeterName);
        using var other = new Meter("Someone.Else");
        mesh.CreateCounter<long>("test.mesh.requests").Add(3);
        orleans.CreateCounter<long>("test.orleans.calls").Add(2);
        other.CreateCounter<long>("test.other.calls").Add(1);

        var scrape = (await WebPort.GetAsync(port, "/metrics"))!;
        Assert.Contains("test_mesh_requests_total{otel_scope_name=\"OamOrleans\"} 3", scrape.Body, StringComparison.Ordinal);
        Assert.Contains("test_orleans_calls_total{otel_scope_name=\"Microsoft.Orleans\"} 2", scrape.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("test_other_calls", scrape.Body, StringComparison.Ordinal);
    }
}
