using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OamOrleans.Client;
using OamOrleans.Clustering.Nats;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace OamOrleans.Hosting;

/// <summary>Orleans reminders kept in NATS JetStream KV, so they fire after every silo restarted.</summary>
public static class NatsReminderHostingExtensions
{
    /// <summary>Adds Orleans' reminder service with its table in a NATS JetStream KV bucket.</summary>
    public static ISiloBuilder UseNatsReminderService(this ISiloBuilder builder, Action<NatsReminderTableOptions> configureOptions) =>
        builder.UseNatsReminderService(ob => ob.Configure(configureOptions));

    /// <summary>
    /// Adds Orleans' reminder service with its table in NATS (default bucket settings): the silo's mesh NATS
    /// (<c>MeshHostOptions.Endpoint</c> of <c>AddOpenAgentMesh</c>), else what <see cref="MeshEndpoint.Resolve"/> finds.
    /// </summary>
    public static ISiloBuilder UseNatsReminderService(this ISiloBuilder builder) =>
        builder.UseNatsReminderService((Action<OptionsBuilder<NatsReminderTableOptions>>?)null);

    /// <summary>Adds Orleans' reminder service with its table on the NATS server at <paramref name="url"/> (default bucket settings; see <see cref="MeshEndpoint.Resolve"/>).</summary>
    public static ISiloBuilder UseNatsReminderService(this ISiloBuilder builder, string url) =>
        builder.UseNatsReminderService(options => options.Endpoint = MeshEndpoint.Resolve(url));

    /// <summary>Adds Orleans' reminder service with its table in NATS, with options built by an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static ISiloBuilder UseNatsReminderService(this ISiloBuilder builder, Action<OptionsBuilder<NatsReminderTableOptions>>? configureOptions) =>
        builder.ConfigureServices(services =>
        {
            services.AddReminders();
            var options = services.AddOptions<NatsReminderTableOptions>();
            configureOptions?.Invoke(options);
            options.PostConfigure<IServiceProvider>((o, sp) => o.Endpoint ??= sp.GetService<MeshEndpoint>());
            services.AddSingleton<IReminderTable, NatsReminderTable>();
            services.AddSingleton<IConfigurationValidator, NatsReminderTableOptionsValidator>();
            services.ConfigureFormatter<NatsReminderTableOptions>();
        });
}
