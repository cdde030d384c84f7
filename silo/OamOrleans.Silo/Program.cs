using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;
using OamOrleans.Silo;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
SiloSettings settings;
try
{
    settings = SiloSettings.Read(builder.Configuration);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Error: {e.Message}");
    return 2;
}

EmbeddedNatsServer? embedded = null;
try
{
    if (settings.Url is null)
    {
        embedded = await EmbeddedNatsServer.StartAsync(settings.NatsPort, settings.DataDir, writeUrlFile: true);
        settings = settings with { Url = embedded.Url, MonitorSysUrl = settings.MonitorSysUrl ?? embedded.SysUrl };
    }

    builder.UseOrleans(silo =>
    {
        silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        SiloComposition.ConfigureClustering(silo, settings);
        SiloComposition.ConfigureStorage(silo, settings);
        silo.AddOpenAgentMesh(o =>
        {
            o.Url = settings.Url;
            o.CredsFile = settings.Creds;
            o.NKeySeedFile = settings.NKeySeedFile;
            o.Token = settings.Token;
            o.HealthMonitorSysUrl = settings.MonitorSysUrl;
            o.HealthMonitorSysCredsFile = settings.MonitorSysCreds;
            o.MaxConcurrentRequests = settings.MaxConcurrentRequests ?? o.MaxConcurrentRequests;
            o.MaxQueuedRequests = settings.MaxQueuedRequests ?? o.MaxQueuedRequests;
            o.ConnectTimeout = settings.ConnectTimeout;
        });
        silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
    });

    using var host = builder.Build();
    var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OamOrleans.Silo");

    // NATS may start after the silo (containers): wait for it before Orleans starts, so the storage and clustering
    // providers find it too and a NATS that never comes is one clear error, not a failed silo lifecycle.
    var endpoint = SiloComposition.Endpoint(settings);
    await MeshConnectWait.WaitAsync(endpoint, "silo-start", settings.ConnectTimeout, logger);
    await host.StartAsync();
    SiloComposition.LogSummary(logger, host.Services, settings, embedded is not null);
    await host.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is EmbeddedNatsException or MeshUnavailableException)
{
    Console.Error.WriteLine($"Error: {e.Message}");
    return 1;
}
catch (Exception e)
{
    // Never an abort with stack dumps: the logs above already hold the details of an unexpected failure.
    Console.Error.WriteLine($"Error: the silo failed to start: {MeshConnectWait.Redact(e.Message)}");
    return 1;
}
finally
{
    if (embedded is not null)
    {
        await embedded.DisposeAsync();
    }
}
