using OamOrleans.Hosting;

namespace OamOrleans.Silo;

/// <summary>
/// The silo's reminder service: in NATS JetStream KV whenever the silo keeps anything in NATS (NATS clustering or NATS
/// state), so reminders outlive every silo like the state they belong to; in silo memory for the local one-silo mode.
/// </summary>
internal static class SiloReminders
{
    public static void Configure(ISiloBuilder silo, SiloOptions settings)
    {
        if (settings.Clustering == SiloClustering.Nats || settings.Storage == SiloStorage.Nats)
        {
            silo.UseNatsReminderService(o =>
            {
                o.Replicas = settings.Replicas;
                o.ReconcileReplicas = settings.ReconcileBuckets;
            });
        }
        else
        {
            silo.UseInMemoryReminderService();
        }

        if (settings.ReminderPeriod is { } period)
        {
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = period);
        }
    }
}
