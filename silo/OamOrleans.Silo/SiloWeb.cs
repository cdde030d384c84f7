using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OamOrleans.Hosting;
using OamOrleans.WebAuth;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;

namespace OamOrleans.Silo;

/// <summary>
/// The silo's web port (<c>Oam:HttpPort</c> / <c>OAM_HTTP_PORT</c>): one ASP.NET Core endpoint in the silo's own host and
/// DI container, on which every web feature mounts (<see cref="Mounts"/>). Made only when the port is set, so a silo
/// without one loads no ASP.NET Core at all.
/// </summary>
internal sealed class SiloWeb
{
    private readonly WebApplicationBuilder _builder;
    private readonly IReadOnlyList<SiloWebMount> _mounts;
    private readonly HttpAuthSettings _auth;

    private SiloWeb(WebApplicationBuilder builder, IReadOnlyList<SiloWebMount> mounts, HttpAuthSettings auth)
    {
        _builder = builder;
        _mounts = mounts;
        _auth = auth;
    }

    /// <summary>
    /// Everything the web port serves. A new feature adds one entry: the paths it serves (for the start-up summary),
    /// its services, its silo configuration if any, and its endpoint mapping.
    /// </summary>
    private static List<SiloWebMount> Mounts(SiloOptions settings)
    {
        List<SiloWebMount> mounts =
        [
            // Probes stay open: an orchestrator has no token.
            new($"{MeshHealthPaths.Live}, {MeshHealthPaths.Ready}",
                AddServices: services => services.AddHealthChecks().AddOpenAgentMeshChecks(),
                Map: app => app.MapOpenAgentMeshHealth()),
            new("/metrics",
                AddServices: services => services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddOpenAgentMeshInstrumentation().AddPrometheusExporter()),
                Map: app => app.MapPrometheusScrapingEndpoint(),
                Protected: settings.HttpAuthMetrics),
        ];
        if (settings.Dashboard)
        {
            mounts.Add(new("/dashboard/",
                ConfigureSilo: silo => silo.AddDashboard(),
                Map: app => app.MapOrleansDashboard(routePrefix: "/dashboard"),
                Protected: true));
        }

        if (settings.Mcp)
        {
            mounts.Add(new("/mcp (MCP tools)",
                AddServices: services => SiloWebMesh.AddMcp(services),
                Map: app => app.MapMeshMcp(),
                Protected: true));
        }

        if (settings.Ui)
        {
            mounts.Add(new("/ (admin UI)",
                AddServices: services => SiloWebMesh.AddAdminUi(services, settings.ServiceId),
                Map: app => app.MapOamAdminUi(),
                Protected: true));
        }

        return mounts;
    }

    /// <summary>The host builder the silo uses instead of a plain <see cref="HostApplicationBuilder"/>.</summary>
    public IHostApplicationBuilder Builder => _builder;

    /// <summary>What the start-up summary prints: the address and the paths served.</summary>
    public string Description { get; private init; } = "";

    public static SiloWeb Create(string[] args, SiloOptions settings, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // All interfaces: probes and scrapers come from outside a container.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port));
        // Kestrel starts before the silo and stops after it, so /health/ready answers 503 (rather than refusing the
        // connection) while the silo joins and registers, and while it drains and deregisters. WebApplicationBuilder adds
        // its server last (it would start after the silo); container callbacks run after that, so the move happens here.
        builder.Host.ConfigureContainer<IServiceCollection>((_, services) => StartServerFirst(services));
        var mounts = Mounts(settings);
        foreach (var mount in mounts)
        {
            mount.AddServices?.Invoke(builder.Services);
        }

        var auth = settings.ReadHttpAuth();
        if (auth is { IsToken: true, Token: { } token })
        {
            HttpTokenAuth.AddServices(builder.Services, token);
        }

        var guarded = auth.IsToken ? mounts.Where(m => m.Protected).Select(m => m.Paths).ToList() : [];
        return new SiloWeb(builder, mounts, auth)
        {
            Description = $"http://*:{port} ({string.Join(", ", mounts.Select(m => m.Paths))}); auth: {auth.Describe()}"
                + (guarded.Count > 0 ? $" on {string.Join(", ", guarded)}" : ""),
        };
    }

    public void ConfigureSilo(ISiloBuilder silo)
    {
        foreach (var mount in _mounts)
        {
            mount.ConfigureSilo?.Invoke(silo);
        }
    }

    public IHost Build()
    {
        var app = _builder.Build();
        if (_auth is { IsToken: true, Token: { } token })
        {
            HttpTokenAuth.Use(app, token);
        }

        foreach (var mount in _mounts)
        {
            var endpoints = mount.Map(app);
            if (mount.Protected && _auth.IsToken)
            {
                endpoints.RequireAuthorization(HttpTokenAuth.Policy);
            }
        }

        return app;
    }

    private static void StartServerFirst(IServiceCollection services)
    {
        var server = services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "GenericWebHostService");
        var first = services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService));
        if (server is null || first is null || ReferenceEquals(server, first))
        {
            return;
        }

        services.Remove(server);
        services.Insert(services.IndexOf(first), server);
    }
}

/// <summary>One feature on the silo's web port.</summary>
/// <param name="Paths">What it serves, for the start-up summary.</param>
/// <param name="Map">Maps its endpoints once the host is built; returns them, so that the token can guard them.</param>
/// <param name="AddServices">Its services in the silo's container.</param>
/// <param name="ConfigureSilo">What it needs from the Orleans silo (e.g. the dashboard's grains).</param>
/// <param name="Protected">Needs the web port's token when <c>OAM_HTTP_AUTH=token</c>.</param>
internal sealed record SiloWebMount(
    string Paths,
    Func<IEndpointRouteBuilder, IEndpointConventionBuilder> Map,
    Action<IServiceCollection>? AddServices = null,
    Action<ISiloBuilder>? ConfigureSilo = null,
    bool Protected = false);
