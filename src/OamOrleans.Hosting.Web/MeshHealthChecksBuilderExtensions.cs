using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OamOrleans.Hosting.Web;

namespace OamOrleans.Hosting;

/// <summary>ASP.NET Core health checks for an OamOrleans silo.</summary>
public static class MeshHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds one health check per readiness condition of the silo (<see cref="MeshReadinessCheck.Names"/>: <c>nats</c>,
    /// <c>bridge</c>, <c>agents</c>, <c>silo</c>), tagged <see cref="MeshHealthPaths.ReadyTag"/>. The silo must serve the
    /// mesh (<c>AddOpenAgentMesh</c>), which provides <see cref="IMeshHost.CheckReadiness"/>.
    /// </summary>
    public static IHealthChecksBuilder AddOpenAgentMeshChecks(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var name in MeshReadinessCheck.Names)
        {
            builder.Add(new HealthCheckRegistration(
                name,
                services => new MeshReadinessHealthCheck(services.GetRequiredService<IMeshHost>(), name),
                HealthStatus.Unhealthy,
                [MeshHealthPaths.ReadyTag]));
        }

        return builder;
    }
}
