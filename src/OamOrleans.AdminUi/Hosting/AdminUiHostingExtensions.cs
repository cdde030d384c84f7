using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OamOrleans.AdminUi;
using OamOrleans.AdminUi.Components;
using OamOrleans.AdminUi.Mesh;

namespace OamOrleans.Hosting;

/// <summary>
/// Hosts the admin UI in any ASP.NET Core app: <c>services.AddOamAdminUi(o => …)</c>, then
/// <c>app.MapOamAdminUi()</c>. <c>oam ui</c> does exactly this; a silo does it on its web port.
/// </summary>
public static class AdminUiHostingExtensions
{
    /// <summary>Registers the UI's components and its mesh session (one <see cref="Client.MeshClient"/>, connected in the background).</summary>
    public static IServiceCollection AddOamAdminUi(this IServiceCollection services, Action<AdminUiOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOamAdminUi();
        services.Configure(configure);
        return services;
    }

    /// <summary>Registers the UI with options from the container (<c>services.Configure&lt;AdminUiOptions&gt;(…)</c>) or defaults.</summary>
    public static IServiceCollection AddOamAdminUi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<AdminUiOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdminUiOptions>, AdminUiOptionsValidator>());
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.TryAddSingleton<MeshSession>();
        services.TryAddSingleton<LiveAgents>();
        services.TryAddSingleton<UsageTotals>();
        services.TryAddSingleton<OrleansMembership>();
        services.TryAddSingleton<ConversationStates>();
        services.AddHostedService<MeshWatchers>();
        return services;
    }

    /// <summary>
    /// Maps the UI's pages (<c>/</c>, <c>/agents/{name}</c>, <c>/events</c>, <c>/logs</c>, <c>/kv</c>, <c>/orleans</c>,
    /// <c>/usage</c>), the Blazor hub (<c>/_blazor</c>) and its two assets (<c>/_framework/blazor.web.js</c>,
    /// <c>/_oam/admin.css</c>).
    /// </summary>
    public static IEndpointConventionBuilder MapOamAdminUi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        MapAsset(endpoints, "/_framework/blazor.web.js", "OamOrleans.AdminUi.blazor.web.js", "text/javascript");
        MapAsset(endpoints, "/_oam/admin.css", "OamOrleans.AdminUi.admin.css", "text/css");
        var ui = endpoints.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        // No page posts a form (all interaction runs over the circuit), so the host needs no antiforgery middleware.
        ui.DisableAntiforgery();
        // The circuit can call agents with the server's credentials: only the UI's own pages may open it. A page of another
        // origin in the same browser (a drive-by on a loopback UI) sends its Origin with the hub's negotiate and WebSocket.
        ui.Add(endpoint =>
        {
            var next = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = context => SameOrigin(context.Request) ? next(context) : Forbid(context);
        });
        return ui;
    }

    /// <summary>True without an Origin header (navigations) or when it names this very scheme, host and port.</summary>
    internal static bool SameOrigin(HttpRequest request) =>
        request.Headers.Origin is not [{ } origin]
        || string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);

    private static Task Forbid(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsync("Cross-origin requests to the admin UI are refused.");
    }

    private static void MapAsset(IEndpointRouteBuilder endpoints, string path, string resource, string contentType)
    {
        var bytes = ReadResource(resource);
        endpoints.MapGet(path, () => Results.Bytes(bytes, contentType + "; charset=utf-8"));
    }

    private static byte[] ReadResource(string name)
    {
        using var stream = typeof(AdminUiHostingExtensions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The admin UI assembly lacks its embedded resource {name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
