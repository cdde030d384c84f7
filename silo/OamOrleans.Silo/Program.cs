using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
            o.HealthMonitorSysUrl = settings.MonitorSysUrl;
            o.MaxConcurrentRequests = settings.MaxConcurrentRequests ?? o.MaxConcurrentRequests;
            o.MaxQueuedRequests = settings.MaxQueuedRequests ?? o.MaxQueuedRequests;
        });
        silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
    });

    using var host = builder.Build();
    await host.StartAsync();
    var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OamOrleans.Silo");
    SiloComposition.LogSummary(logger, host.Services, settings, embedded is not null);
    await host.WaitForShutdownAsync();
    return 0;
}
catch (EmbeddedNatsException e)
{
    Console.Error.WriteLine($"Error: {e.Message}");
    return 1;
}
finally
{
    if (embedded is not null)
    {
        await embedded.DisposeAsync();
    }
}
