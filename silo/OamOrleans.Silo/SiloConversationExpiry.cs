using System.Globalization;
using Microsoft.Extensions.Configuration;
using OamOrleans.Hosting;

namespace OamOrleans.Silo;

/// <summary>How often the silo deletes the state of expired conversations (agents with <c>[Agent(StateTtl = …)]</c>).</summary>
internal static class SiloConversationExpiry
{
    /// <summary>
    /// <c>Oam:StateSweepIntervalSeconds</c> / <c>OAM_STATE_SWEEP_INTERVAL</c>: seconds between sweeps, 0.1 to 86400
    /// (e.g. <c>0.5</c>); unset keeps <see cref="ConversationExpiryOptions.SweepInterval"/>'s one minute.
    /// </summary>
    public static TimeSpan? ReadSweepInterval(IConfiguration configuration)
    {
        if ((configuration["Oam:StateSweepIntervalSeconds"] ?? configuration["OAM_STATE_SWEEP_INTERVAL"]) is not { Length: > 0 } raw)
        {
            return null;
        }

        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0.1 and <= 86400
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"Setting Oam:StateSweepIntervalSeconds / OAM_STATE_SWEEP_INTERVAL must be a number of seconds from 0.1 to 86400, was '{raw}'.");
    }

    public static void Configure(ISiloBuilder silo, TimeSpan? sweepInterval)
    {
        if (sweepInterval is { } interval)
        {
            silo.Configure<ConversationExpiryOptions>(o => o.SweepInterval = interval);
        }
    }
}
