using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

// An Orleans silo that serves its agents on an OpenAgentMesh: any OpenAgentMesh client (Python, TypeScript, .NET, the
// oam CLI, a plain NATS request) calls them on mesh.agent.<name>. Settings: the "Oam" section of appsettings.json,
// overridden by environment variables such as Oam__Url.
var builder = Host.CreateApplicationBuilder(args);
var oam = builder.Configuration.GetSection("Oam");
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(oam.GetValue("SiloPort", 11111), oam.GetValue("GatewayPort", 30000));  // one machine; UseNatsClustering for several
    silo.AddSiloMemoryGrainStorage();                   // conversation state in the silo's memory; AddNatsGrainStorage to keep it in NATS
    silo.AddOpenAgentMesh(oam["Url"] ?? "nats://localhost:4222");
    silo.AddAgentsFromAssembly(typeof(Program).Assembly);
});

await builder.Build().RunAsync();
