using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>A conversational test grain: every acknowledged turn is persisted in NATS KV before the call returns.</summary>
public interface IConversationGrain : IGrainWithStringKey
{
    Task<int> AddTurn(string turn);

    Task<List<string>> GetTurns();

    Task<string> WhereAmI();
}

public sealed class ConversationState
{
    public List<string> Turns { get; set; } = [];
}

[RandomPlacement]
public sealed class ConversationGrain(
    [PersistentState("conversation", ClusterHarness.StorageName)] IPersistentState<ConversationState> state) : Grain, IConversationGrain
{
    public async Task<int> AddTurn(string turn)
    {
        state.State.Turns.Add(turn);
        await state.WriteStateAsync();
        return state.State.Turns.Count;
    }

    public Task<List<string>> GetTurns() => Task.FromResult(state.State.Turns.ToList());

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
