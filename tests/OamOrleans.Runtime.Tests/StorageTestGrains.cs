using Orleans.Providers;

namespace OamOrleans.Runtime.Tests;

public sealed class NotebookState
{
    public List<string> Notes { get; set; } = [];
}

/// <summary>Keeps notes in the <c>oam-state</c> storage through <see cref="IPersistentState{TState}"/>.</summary>
public interface INotebookGrain : IGrainWithStringKey
{
    Task<int> Add(string note);

    Task<List<string>> Notes();

    Task<Guid> Activation();

    Task Forget();

    Task Deactivate();
}

public sealed class NotebookGrain([PersistentState("notebook", "oam-state")] IPersistentState<NotebookState> state) : Grain, INotebookGrain
{
    private readonly Guid _activation = Guid.NewGuid();

    public async Task<int> Add(string note)
    {
        state.State.Notes.Add(note);
        await state.WriteStateAsync();
        return state.State.Notes.Count;
    }

    public Task<List<string>> Notes() => Task.FromResult(state.State.Notes.ToList());

    public Task<Guid> Activation() => Task.FromResult(_activation);

    public Task Forget() => state.ClearStateAsync();

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public sealed class TallyState
{
    public int Count { get; set; }
}

/// <summary>Counts in the <c>oam-state</c> storage through <see cref="Grain{TGrainState}"/>.</summary>
public interface ITallyGrain : IGrainWithStringKey
{
    Task<int> Increment();
}

[StorageProvider(ProviderName = "oam-state")]
public sealed class TallyGrain : Grain<TallyState>, ITallyGrain
{
    public async Task<int> Increment()
    {
        State.Count++;
        await WriteStateAsync();
        return State.Count;
    }
}
