namespace OamOrleans.Hosting;

/// <summary>Where <see cref="MeshHealthEndpointRouteBuilderExtensions.MapOpenAgentMeshHealth"/> maps the probes.</summary>
public static class MeshHealthPaths
{
    /// <summary>200 while the process answers HTTP at all (a Kubernetes liveness probe).</summary>
    public const string Live = "/health/live";

    /// <summary>200 while the silo serves the mesh, else 503 with a JSON reason (a readiness probe).</summary>
    public const string Ready = "/health/ready";

    /// <summary>The tag of the health checks <see cref="Ready"/> runs.</summary>
    public const string ReadyTag = "ready";
}
