using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;
using OamOrleans.Hosting;

namespace OamOrleans.Docs.Snippets;

internal static class Hosting
{
    public static async Task HostAsync(string[] args)
    {
        #region HostSilo
        // using Microsoft.Extensions.Hosting; using OamOrleans.Hosting;
        var builder = Host.CreateApplicationBuilder(args);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();                                     // or .UseNatsClustering(url)
            silo.AddSiloMemoryGrainStorage();                                  // "oam-state", one silo; or .AddNatsGrainStorage("oam-state", url)
            silo.AddOpenAgentMesh("nats://localhost:4222");
            silo.AddAgent<EchoAgent>();                                        // one by one…
            silo.AddAgentsFromAssembly(typeof(CounterAgent).Assembly);         // …or by scanning
        });
        await builder.Build().RunAsync();
        #endregion
    }

    public static async Task ProductionAsync(string[] args)
    {
        #region HostSiloOnNats
        var url = "nats://nats:4222";
        var builder = Host.CreateApplicationBuilder(args);
        builder.UseOrleans(silo => silo
            .AddOpenAgentMesh(url)                                             // the mesh's NATS (a MeshEndpoint)
            .UseNatsClustering()                                               // membership in JetStream KV, same NATS
            .AddNatsGrainStorage("oam-state")                                  // conversation state in JetStream KV, same NATS
            .AddAgentsFromAssembly(typeof(CounterAgent).Assembly));
        await builder.Build().RunAsync();
        #endregion
    }

    public static void ClientInContainer(IServiceCollection services)
    {
        #region AddMeshClient
        services.AddMeshClient("nats://localhost:4222");                   // one shared MeshClient, connected on first use
        #endregion
    }
}
