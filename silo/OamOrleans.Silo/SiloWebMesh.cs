using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using OamOrleans.AdminUi;
using OamOrleans.Client;
using OamOrleans.Hosting;

namespace OamOrleans.Silo;

/// <summary>
/// The web features that talk to the mesh as a client (MCP tools, admin UI). They connect with the bridge's own settings
/// (<see cref="MeshHostOptions"/>: URL, creds, NKey seed, token, TLS), read when first used, so an embedded server's URL is known by then.
/// </summary>
internal static class SiloWebMesh
{
    public static void AddMcp(IServiceCollection services)
    {
        services.AddMeshClient();
        services.AddOptions<MeshClientOptions>().Configure<MeshEndpoint>((client, endpoint) => client.Endpoint = endpoint);
        // Stateful sessions: tools/list_changed reaches clients that initialized a session.
        services.AddMeshMcpServer().WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients);
    }

    public static void AddAdminUi(IServiceCollection services, string serviceId)
    {
        services.AddOamAdminUi();
        // Inside the cluster the Orleans view can show activations per agent (oam ui outside it cannot).
        services.AddSingleton<IAgentActivationSource, SiloAgentActivations>();
        services.AddOptions<AdminUiOptions>().Configure<MeshEndpoint>((ui, endpoint) =>
        {
            ui.Endpoint = endpoint;
            ui.ServiceId = serviceId;
        });
    }
}
