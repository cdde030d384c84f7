using OamOrleans.Bridge;
using OamOrleans.Internal;
using Orleans.Runtime;

namespace OamOrleans.Runtime.Tests.Units;

/// <summary><see cref="GrainReferenceCache"/>: a conversation reuses its grain reference and is never handed another's.</summary>
public sealed class GrainReferenceCacheTests
{
    private static readonly GrainType Counter = GrainType.Create("demo.counter");

    [Fact]
    public void A_conversations_next_turn_reuses_its_reference()
    {
        var built = 0;
        var cache = new GrainReferenceCache(id => { built++; return new Reference(id); });
        var id = GrainId.Create(Counter, "c-1");

        var first = cache.Get(id);
        var again = cache.Get(GrainId.Create(Counter, "c-1"));

        Assert.Same(first, again);
        Assert.Equal(1, built);
    }

    [Fact]
    public void Conversations_sharing_a_slot_or_passing_through_by_the_thousand_are_each_handed_their_own_reference()
    {
        var cache = new GrainReferenceCache(id => new Reference(id));
        var first = GrainId.Create(Counter, "c-0");
        var slot = first.GetHashCode() & (GrainReferenceCache.Slots - 1);
        var sharing = Enumerable.Range(1, 1_000_000)
            .Select(i => GrainId.Create(Counter, "c-" + i))
            .First(id => (id.GetHashCode() & (GrainReferenceCache.Slots - 1)) == slot);

        // Alternating turns of two conversations in one slot: each is always handed a reference to itself.
        for (var turn = 0; turn < 4; turn++)
        {
            Assert.Equal(first, ((Reference)cache.Get(first)).Id);
            Assert.Equal(sharing, ((Reference)cache.Get(sharing)).Id);
        }

        for (var i = 0; i < 3 * GrainReferenceCache.Slots; i++)
        {
            var id = GrainId.Create(Counter, "many-" + i);
            Assert.Equal(id, ((Reference)cache.Get(id)).Id);
        }
    }

    private sealed record Reference(GrainId Id) : IAgentGrain
    {
        public ValueTask<AgentOutcome> InvokeAsync(AgentRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<AgentOutcome[]> InvokeBatchAsync(AgentRequest[] requests, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<AgentOutcome> CallAsync(AgentRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
