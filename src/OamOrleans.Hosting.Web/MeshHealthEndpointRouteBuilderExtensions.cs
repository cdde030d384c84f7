using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using OamOrleans.Hosting.Web;

namespace OamOrleans.Hosting;

/// <summary>Maps the silo's liveness and readiness probes.</summary>
public static class MeshHealthEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <see cref="MeshHealthPaths.Live"/> (runs no check: 200 while the process answers) and
    /// <see cref="MeshHealthPaths.Ready"/> (runs the checks tagged <see cref="MeshHealthPaths.ReadyTag"/>, see
    /// <see cref="MeshHealthChecksBuilderExtensions.AddOpenAgentMeshChecks"/>: 200 when all pass, else 503). Both answer
    /// JSON: <c>{"status", "reason", "checks": {name: {"status", "description"}}}</c>, where <c>reason</c> names the failing
    /// checks. The returned group takes conventions for both (e.g. <c>RequireHost</c>).
    /// </summary>
    public static IEndpointConventionBuilder MapOpenAgentMeshHealth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("");
        group.MapHealthChecks(MeshHealthPaths.Live, new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = MeshHealthResponse.WriteAsync,
        });
        group.MapHealthChecks(MeshHealthPaths.Ready, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(MeshHealthPaths.ReadyTag),
            ResponseWriter = MeshHealthResponse.WriteAsync,
        });
        return group;
    }
}
