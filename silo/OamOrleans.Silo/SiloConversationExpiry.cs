using OamOrleans.Hosting;

namespace OamOrleans.Silo;

/// <summary>How often the silo deletes the state of expired conversations (agents with <c>[Agent(StateTtl = …)]</c>).</summary>
internal static class SiloConversationExpiry
{
    public static void Configure(ISiloBuilder silo, SiloOptions settings)
    {
        if (settings.StateSweepInterval is { } interval)
        {
            silo.Configure<ConversationExpiryOptions>(o => o.SweepInterval = interval);
        }
    }
}
