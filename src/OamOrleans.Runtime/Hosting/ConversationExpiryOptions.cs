namespace OamOrleans.Hosting;

/// <summary>
/// How the silos delete the state of conversations idle for longer than their agent's
/// <see cref="AgentAttribute.StateTtl"/>. Expiry itself needs no setting: a turn of an expired conversation always starts
/// from a new state. These options say how often, and where, the expired state is deleted.
/// </summary>
public sealed class ConversationExpiryOptions
{
    /// <summary>The bucket name the NATS grain storage uses by default.</summary>
    public const string DefaultStateBucket = "orleans-grain-state";

    /// <summary>
    /// How often the sweeper looks for expired conversations. Default 1 minute; at least 100 ms, at most 1 day.
    /// Expired state stays in storage for up to one interval (unused: a turn never reads it).
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The JetStream KV bucket of the NATS grain storage (<c>AddNatsGrainStorage</c>'s <c>BucketName</c>), read on the
    /// silo's mesh connection. Default <see cref="DefaultStateBucket"/>.
    /// </summary>
    public string StateBucket { get; set; } = DefaultStateBucket;

    /// <summary>How many stored conversations the sweeper reads from the bucket at a time. Default 500; 1 to 10,000.</summary>
    public int SweepPageSize { get; set; } = 500;
}
