using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;
using OamOrleans.Samples.Assistant;
using OamOrleans.Silo;

if (args is [SiloHealthProbe.Flag, ..])
{
    return await SiloHealthProbe.RunAsync(args);
}

var plain = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
SiloOptions settings;
AssistantModel assistant;
try
{
    SiloSetting.AddVariables(plain.Configuration, plain.Configuration);
    settings = SiloOptions.Load(plain.Configuration);
    assistant = AssistantModel.Read(plain.Configuration);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Error: {e.Message}");
    return 2;
}

// With a web port the silo runs in an ASP.NET Core host (same configuration sources) instead of the plain one.
var web = settings.HttpPort is { } httpPort ? SiloWeb.Create(args, settings, httpPort) : null;
if (web is not null)
{
    ((IDisposable)plain.Configuration).Dispose();
}

var builder = web?.Builder ?? plain;

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
        SiloReminders.Configure(silo, settings);
        SiloConversationExpiry.Configure(silo, settings);
        silo.AddOpenAgentMesh(o =>
        {
            o.Endpoint = SiloComposition.Endpoint(settings);
            o.HealthMonitorSysUrl = settings.MonitorSysUrl;
            o.HealthMonitorSysCredsFile = settings.MonitorSysCreds;
            o.MaxConcurrentRequests = settings.MaxConcurrentRequests ?? o.MaxConcurrentRequests;
            o.MaxQueuedRequests = settings.MaxQueuedRequests ?? o.MaxQueuedRequests;
            o.ConnectTimeout = settings.ConnectTimeout;
            o.Replicas = settings.Replicas;
            o.ReconcileBuckets = settings.ReconcileBuckets;
            o.TurnLogSize = settings.TurnLogSize ?? o.TurnLogSize;
            o.RequestTimeout = settings.RequestTimeout;
            o.HeartbeatInterval = settings.HeartbeatInterval;
        });
        silo.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromTicks(Math.Max(o.ResponseTimeout.Ticks, settings.RequestTimeout.Ticks)));
        silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
        if (assistant.IsConfigured)
        {
            silo.AddAssistantAgent(assistant);
        }
        SiloTelemetry.ConfigureSilo(silo, settings);
        web?.ConfigureSilo(silo);
    });
    SiloTelemetry.AddServices(builder.Services, settings);

    using var host = web?.Build() ?? plain.Build();
    var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OamOrleans.Silo");

    // NATS may start after the silo (containers): wait for it before Orleans starts, so the storage and clustering
    // providers find it too and a NATS that never comes is one clear error, not a failed silo lifecycle.
    var endpoint = SiloComposition.Endpoint(settings);
    var waited = await endpoint.ConnectAsync(MeshSubjects.ConnectionName("silo-start"), settings.ConnectTimeout, logger);
    await waited.DisposeAsync();
    await host.StartAsync();
    SiloComposition.LogSummary(logger, host.Services, settings, embedded is not null, web?.Description, assistant.Describe());
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
    Console.Error.WriteLine($"Error: the silo failed to start: {MeshEndpoint.Redact(e.Message)}");
    return 1;
}
finally
{
    if (embedded is not null)
    {
        await embedded.DisposeAsync();
    }
}
