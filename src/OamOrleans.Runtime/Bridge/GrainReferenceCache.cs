using Orleans.Runtime;
using OamOrleans.Internal;

namespace OamOrleans.Bridge;

/// <summary>
/// The grain references of recent conversations, so a conversation's next turn does not build a new one. Orleans builds
/// each reference's proxy with its argument copiers through dependency injection (reflection), a measurable share of a
/// conversational turn's CPU. Direct-mapped and fixed in size: a slot holds the last conversation that hashed to it, so
/// memory stays bounded however many conversations come and go, and a miss only costs the reference it builds.
/// </summary>
internal sealed class GrainReferenceCache(Func<GrainId, IAgentGrain> create)
{
    /// <summary>Slots (a power of two): about 8k conversations' references, ~0.5 MB at most.</summary>
    internal const int Slots = 8192;

    private readonly Entry?[] _slots = new Entry?[Slots];

    public IAgentGrain Get(GrainId id)
    {
        ref var slot = ref _slots[id.GetHashCode() & (Slots - 1)];
        var entry = Volatile.Read(ref slot);
        if (entry is not null && entry.Id.Equals(id))
        {
            return entry.Grain;
        }

        // A reference is immutable and thread-safe: one written by a racing thread is as good as this one.
        var grain = create(id);
        Volatile.Write(ref slot, new Entry(id, grain));
        return grain;
    }

    private sealed record Entry(GrainId Id, IAgentGrain Grain);
}
