using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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

    /// <summary>Adds Orleans' reminder service with its table on the NATS server at <paramref name="url"/> (default bucket settings).</summary>
    public static ISiloBuilder UseNatsReminderService(this ISiloBuilder builder, string url) =>
        builder.UseNatsReminderService(options => options.Url = url);

    /// <summary>Adds Orleans' reminder service with its table in NATS, with options built by an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static ISiloBuilder UseNatsReminderService(this ISiloBuilder builder, Action<OptionsBuilder<NatsReminderTableOptions>>? configureOptions) =>
        builder.ConfigureServices(services =>
        {
            services.AddReminders();
            configureOptions?.Invoke(services.AddOptions<NatsReminderTableOptions>());
            services.AddSingleton<IReminderTable, NatsReminderTable>();
            services.AddSingleton<IConfigurationValidator, NatsReminderTableOptionsValidator>();
            services.ConfigureFormatter<NatsReminderTableOptions>();
        });
}
