namespace OamOrleans;

/// <summary>
/// Binds an agent to a core NATS subject (the reference's <c>subject_source(subject, queue_group)</c>, §7.2): every
/// message on the subject (wildcards allowed) is delivered to the agent's handler. Runtime wiring only:
/// sources never appear in the contract.
/// </summary>
/// <remarks>
/// <para>Mapping onto Orleans: the bridge of every silo hosting the agent subscribes. Without
/// <see cref="QueueGroup"/> each silo receives every message (exactly like several replicas of a reference host, each
/// with its own subscription), so a cluster of N silos handles each message N times. With a <see cref="QueueGroup"/>
/// all silos join that group and NATS load-balances the messages across them: each message is handled once per
/// cluster (and once per queue group across every host on the mesh). Use a queue group for work; leave it out for
/// fan-out such as cache invalidation.</para>
/// <para>Each silo hands the messages to a local activation of the agent (stateless workers are placed locally;
/// conversational agents go to their conversation's activation wherever it lives), one at a time per
/// subscription, in arrival order. A handler's failure is only logged.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SubjectSourceAttribute : Attribute
{
    /// <summary>Binds the agent to <paramref name="subject"/> (wildcards <c>*</c> and <c>&gt;</c> allowed), without a queue group.</summary>
    public SubjectSourceAttribute(string subject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        Subject = subject;
    }

    /// <summary>The subject to subscribe to; NATS wildcards (<c>*</c>, <c>&gt;</c>) are allowed.</summary>
    public string Subject { get; }

    /// <summary>Queue group shared by every silo (and any other host) that should split the messages. Default null: every silo gets every message.</summary>
    public string? QueueGroup { get; init; }
}

/// <summary>
/// Binds an agent to keys of the shared context bucket <c>mesh-context</c> (the reference's
/// <c>kv_source(pattern, on_init)</c>, §7.2): every put (and, for <see cref="OamOrleans.Client.KvEntry{T}"/> handlers,
/// every delete) of a key matching the pattern is delivered to the agent's handler.
/// </summary>
/// <remarks>
/// Mapping onto Orleans: a KV watch cannot be shared like a queue group (the reference raises NotImplementedError for
/// a queue group on kv_source), so the bridge of <b>every silo</b> hosting the agent runs its own watch, as every
/// reference host replica does. A cluster of N silos therefore handles each change N times: make the handler
/// idempotent (the entry's revision identifies the change) or host the agent on one silo. Choosing one silo per
/// cluster instead would need a hand-over on silo failure with replay-or-skip semantics that no longer match the
/// reference's; every-silo keeps the reference's contract and survives silo loss for free.
/// Changes are delivered one at a time, in revision order, to a local activation.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class KvSourceAttribute : Attribute
{
    /// <summary>Binds the agent to the <c>mesh-context</c> keys matching <paramref name="pattern"/> (wildcards allowed).</summary>
    public KvSourceAttribute(string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        Pattern = pattern;
    }

    /// <summary>Key or wildcard pattern in <c>mesh-context</c> (e.g. <c>plan.*</c>, <c>orders.&gt;</c>).</summary>
    public string Pattern { get; }

    /// <summary>
    /// True (default): deliver the current value of every matching key first, then the changes (the reference's
    /// <c>on_init="replay"</c>). False: deliver only changes made after the watch started (<c>on_init="skip"</c>).
    /// </summary>
    public bool Replay { get; init; } = true;
}
