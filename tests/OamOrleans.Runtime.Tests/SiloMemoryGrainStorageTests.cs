using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Testing;
using Orleans.Storage;

namespace OamOrleans.Runtime.Tests;

/// <summary>A silo with only the silo-local memory storage (no NATS, no mesh), optionally joining another.</summary>
public sealed class StorageSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private StorageSilo(IHost host, int siloPort, LogSink logs)
    {
        _host = host;
        SiloPort = siloPort;
        Logs = logs;
    }

    public int SiloPort { get; }

    public LogSink Logs { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IGrainStorage Storage => _host.Services.GetRequiredKeyedService<IGrainStorage>("oam-state");

    public static async Task<StorageSilo> StartAsync(StorageSilo? primary = null)
    {
        var siloPort = NatsServer.FreePort();
        var logs = new LogSink();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(
                siloPort,
                NatsServer.FreePort(),
                primary is null ? null : new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, primary.SiloPort));
            silo.AddSiloMemoryGrainStorage("oam-state");
        });
        var host = builder.Build();
        await host.StartAsync();
        return new StorageSilo(host, siloPort, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

public sealed class StorageSiloFixture : IAsyncLifetime
{
    public StorageSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await StorageSilo.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

public sealed class Chat
{
    public List<string> Turns { get; set; } = [];

    public string? Title { get; set; }
}

/// <summary>The silo-local memory storage: the Orleans grain-storage contract, copies instead of shared objects, one silo only.</summary>
[Trait("Category", "Integration")]
public sealed class SiloMemoryGrainStorageTests(StorageSiloFixture fixture) : IClassFixture<StorageSiloFixture>
{
    private IGrainStorage Storage => fixture.Silo.Storage;

    private static GrainId NewId() => GrainId.Create("test", MeshIds.New());

    [Fact]
    public async Task Write_then_read_round_trips_with_an_etag_and_a_record()
    {
        var id = NewId();
        var written = new GrainState<Chat>(new Chat { Title = "hello", Turns = ["a", "b"] });

        await Storage.WriteStateAsync("chat", id, written);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        var read = new GrainState<Chat>();
        await Storage.ReadStateAsync("chat", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("hello", read.State!.Title);
        Assert.Equal(["a", "b"], read.State.Turns);

        read.State.Turns.Add("c");
        await Storage.WriteStateAsync("chat", id, read);
        Assert.NotEqual(written.ETag, read.ETag);
    }

    [Fact]
    public async Task Reading_a_missing_state_gives_a_fresh_state_without_record()
    {
        var state = new GrainState<Chat>(new Chat { Title = "left over" }) { ETag = "7", RecordExists = true };

        await Storage.ReadStateAsync("chat", NewId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Null(state.State!.Title);
    }

    [Fact]
    public async Task The_store_keeps_a_snapshot_that_later_changes_to_the_live_state_do_not_reach()
    {
        var id = NewId();
        var live = new GrainState<Chat>(new Chat { Title = "saved", Turns = ["saved"] });
        await Storage.WriteStateAsync("chat", id, live);

        // A failed turn: the grain changes its state and never writes it.
        live.State!.Title = "unsaved";
        live.State.Turns.Add("unsaved");

        var first = new GrainState<Chat>();
        var second = new GrainState<Chat>();
        await Storage.ReadStateAsync("chat", id, first);
        await Storage.ReadStateAsync("chat", id, second);
        Assert.Equal("saved", first.State!.Title);
        Assert.Equal(["saved"], first.State.Turns);
        Assert.NotSame(live.State, first.State);
        Assert.NotSame(first.State, second.State);
        Assert.NotSame(first.State.Turns, second.State!.Turns);
    }

    [Fact]
    public async Task The_snapshot_is_web_json_like_the_nats_kv_storage()
    {
        var id = NewId();
        await Storage.WriteStateAsync("chat", id, new GrainState<Chat>(new Chat { Title = "t" }));

        // Read back as raw JSON: the camelCase names are the NATS KV storage's too, so a state type behaves the same on both.
        var raw = new GrainState<JsonElement>();
        await Storage.ReadStateAsync("chat", id, raw);
        Assert.Equal("t", raw.State.GetProperty("title").GetString());
        Assert.Equal(0, raw.State.GetProperty("turns").GetArrayLength());
    }

    [Fact]
    public async Task A_stale_write_or_clear_fails_with_InconsistentStateException_and_changes_nothing()
    {
        var id = NewId();
        await Storage.WriteStateAsync("chat", id, new GrainState<Chat>(new Chat { Title = "v1" }));
        var activationA = new GrainState<Chat>();
        var activationB = new GrainState<Chat>();
        await Storage.ReadStateAsync("chat", id, activationA);
        await Storage.ReadStateAsync("chat", id, activationB);

        activationA.State!.Title = "from A";
        await Storage.WriteStateAsync("chat", id, activationA);

        activationB.State!.Title = "from B";
        var staleEtag = activationB.ETag;
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("chat", id, activationB));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("chat", id, activationB));
        Assert.Equal(staleEtag, activationB.ETag);

        // A first write (no ETag) over an existing record is stale too.
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("chat", id, new GrainState<Chat>(new Chat { Title = "blind" })));

        var check = new GrainState<Chat>();
        await Storage.ReadStateAsync("chat", id, check);
        Assert.Equal("from A", check.State!.Title);
        Assert.Equal(activationA.ETag, check.ETag);
    }

    [Fact]
    public async Task Clear_removes_the_record_resets_the_state_and_makes_older_etags_stale()
    {
        var id = NewId();
        var state = new GrainState<Chat>(new Chat { Title = "x" });
        await Storage.WriteStateAsync("chat", id, state);
        var before = new GrainState<Chat>();
        await Storage.ReadStateAsync("chat", id, before);

        await Storage.ClearStateAsync("chat", id, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Null(state.State!.Title);
        var afterClear = new GrainState<Chat>();
        await Storage.ReadStateAsync("chat", id, afterClear);
        Assert.False(afterClear.RecordExists);

        // Written again, the record never gets back an ETag that an activation from before the clear still holds.
        state.State.Title = "reborn";
        await Storage.WriteStateAsync("chat", id, state);
        Assert.NotEqual(before.ETag, state.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("chat", id, before));

        // Clearing what has no record is a no-op; clearing without an ETag while a record exists is a conflict.
        await Storage.ClearStateAsync("chat", NewId(), new GrainState<Chat>());
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("chat", id, new GrainState<Chat>()));
    }

    [Fact]
    public async Task Concurrent_writers_with_one_etag_have_exactly_one_winner()
    {
        var id = NewId();
        var seed = new GrainState<Chat>(new Chat());
        await Storage.WriteStateAsync("chat", id, seed);

        var writers = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            var mine = new GrainState<Chat>(new Chat { Title = $"w{i}" }, seed.ETag);
            try
            {
                await Storage.WriteStateAsync("chat", id, mine);
                return mine.State!.Title;
            }
            catch (InconsistentStateException)
            {
                return null;
            }
        })).ToArray();
        var winners = (await Task.WhenAll(writers)).OfType<string>().ToList();

        var stored = new GrainState<Chat>();
        await Storage.ReadStateAsync("chat", id, stored);
        Assert.Equal(stored.State!.Title, Assert.Single(winners));
    }

    [Fact]
    public async Task States_are_keyed_by_state_name_and_grain()
    {
        var id = NewId();
        await Storage.WriteStateAsync("one", id, new GrainState<Chat>(new Chat { Title = "one" }));
        await Storage.WriteStateAsync("two", id, new GrainState<Chat>(new Chat { Title = "two" }));

        var one = new GrainState<Chat>();
        var two = new GrainState<Chat>();
        var other = new GrainState<Chat>();
        await Storage.ReadStateAsync("one", id, one);
        await Storage.ReadStateAsync("two", id, two);
        await Storage.ReadStateAsync("one", NewId(), other);
        Assert.Equal(("one", "two", false), (one.State!.Title, two.State!.Title, other.RecordExists));
    }

    [Fact]
    public async Task Persistent_state_survives_deactivation_and_clear_empties_it()
    {
        var notebook = fixture.Silo.Grains.GetGrain<INotebookGrain>(MeshIds.New());
        await notebook.Add("first");
        await notebook.Add("second");
        var activation = await notebook.Activation();

        await notebook.Deactivate();

        Assert.Equal(["first", "second"], await notebook.Notes());
        Assert.NotEqual(activation, await notebook.Activation());

        await notebook.Forget();
        await notebook.Deactivate();
        Assert.Empty(await notebook.Notes());
        Assert.Equal(1, await notebook.Add("again"));
    }

    [Fact]
    public async Task Grain_of_T_state_survives_activation_collection()
    {
        var tally = fixture.Silo.Grains.GetGrain<ITallyGrain>(MeshIds.New());
        await tally.Increment();
        await tally.Increment();

        await fixture.Silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(3, await tally.Increment());
    }
}

/// <summary>The silo-local storage is for one silo: a second silo joining makes it warn, once, on each silo.</summary>
[Trait("Category", "Integration")]
public sealed class SiloMemoryGrainStorageClusterTests
{
    private static bool IsClusterWarning(LogRecord r) =>
        r.Level == LogLevel.Warning && r.Message.Contains("keeps state in this silo's memory", StringComparison.Ordinal);

    [Fact]
    public async Task A_second_active_silo_makes_each_silo_warn_once_naming_the_storage_and_the_alternatives()
    {
        await using var first = await StorageSilo.StartAsync();
        Assert.DoesNotContain(first.Logs.Records, IsClusterWarning);

        await using (var second = await StorageSilo.StartAsync(primary: first))
        {
            var timeout = TimeSpan.FromSeconds(20);
            var warning = await first.Logs.WaitForAsync(IsClusterWarning, "the cluster warning on the first silo", timeout);
            await second.Logs.WaitForAsync(IsClusterWarning, "the cluster warning on the second silo", timeout);

            Assert.Contains("oam-state", warning.Message);
            Assert.Contains("2 silos are active", warning.Message);
            Assert.Contains("OAM_STORAGE=nats", warning.Message);
            Assert.Contains("AddNatsGrainStorage", warning.Message);
            Assert.Single(second.Logs.Records, IsClusterWarning);
        }

        Assert.Single(first.Logs.Records, IsClusterWarning);
    }
}
