using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OamOrleans.Hosting.Web;

/// <summary>One readiness condition of the silo as an ASP.NET Core health check.</summary>
internal sealed class MeshReadinessHealthCheck(IMeshHost host, string name) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var check = host.CheckReadiness().FirstOrDefault(c => c.Name == name)
            ?? throw new InvalidOperationException($"The silo's readiness has no check named '{name}'.");
        return Task.FromResult(new HealthCheckResult(check.IsReady ? HealthStatus.Healthy : context.Registration.FailureStatus, check.Description));
    }
}
