using System.Globalization;
using Microsoft.Extensions.Configuration;
using OamOrleans.Hosting;

namespace OamOrleans.Silo;

/// <summary>
/// The silo's reminder service: in NATS JetStream KV whenever the silo keeps anything in NATS (NATS clustering or NATS
/// state), so reminders outlive every silo like the state they belong to; in silo memory for the local one-silo mode.
/// </summary>
internal static class SiloReminders
{
    /// <summary>
    /// <c>Oam:ReminderPeriodSeconds</c> / <c>OAM_REMINDER_PERIOD</c>: Orleans' minimum reminder period, which is also how
    /// late a reminder due while no silo ran may fire and how soon a failed reminder turn runs again. Default: Orleans'
    /// one minute. Shorter periods are for tests and demos (Orleans warns about them).
    /// </summary>
    public static TimeSpan? ReadMinimumPeriod(IConfiguration configuration)
    {
        if ((configuration["Oam:ReminderPeriodSeconds"] ?? configuration["OAM_REMINDER_PERIOD"]) is not { Length: > 0 } raw)
        {
            return null;
        }

        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 86400
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"Setting Oam:ReminderPeriodSeconds / OAM_REMINDER_PERIOD must be a number of seconds from 1 to 86400, was '{raw}'.");
    }

    public static void Configure(ISiloBuilder silo, SiloSettings settings, TimeSpan? minimumPeriod)
    {
        if (settings.Clustering == "nats" || settings.Storage == "nats")
        {
            silo.UseNatsReminderService(o =>
            {
                o.Url = settings.Url!;
                o.ConfigureConnection = opts => SiloComposition.Endpoint(settings).ApplyTo(opts);
                o.Replicas = settings.Replicas;
                o.ReconcileReplicas = settings.ReconcileBuckets;
            });
        }
        else
        {
            silo.UseInMemoryReminderService();
        }

        if (minimumPeriod is { } period)
        {
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = period);
        }
    }
}
