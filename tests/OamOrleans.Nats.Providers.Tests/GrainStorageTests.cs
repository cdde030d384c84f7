using OamOrleans.Client;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Net;
using OamOrleans.Persistence.Nats;
using OamOrleans.Testing;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Xunit;

namespace OamOrleans.Nats.Providers.Tests;

public sealed class ChatState
{
    public List<string> Turns { get; set; } = [];

    public string? Title { get; set; }
}

[Trait("Category", "Integration")]
public sealed class GrainStorageTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    private const string Bucket = NatsGrainStorageOptions.DefaultBucketName;

    internal static async Task<NatsGrainStorage> CreateStorageAsync(string url, string serviceId, Action<NatsGrainStorageOptions>? configure = null)
    {
        var options = new NatsGrainStorageOptions { Endpoint = new MeshEndpoint(url) };
        configure?.Invoke(options);
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var storage = new NatsGrainStorage(
            "test",
            options,
            Options.Create(new ClusterOptions { ServiceId = serviceId, ClusterId = "storage-tests" }),
            services.GetRequiredService<IActivatorProvider>(),
            NullLogger<NatsGrainStorage>.Instance);
        await storage.InitAsync(CancellationToken.None);
        return storage;
    }

    /// <summary>Any key, including the empty one that <c>GrainId.Create(string, string)</c> refuses.</summary>
    private static GrainId Id(string type, string key) => GrainId.Create(GrainType.Create(type), IdSpan.Create(key));

    private static string NewServiceId() => "svc-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Write_then_read_round_trips_and_etag_is_the_kv_revision_of_readable_json()
    {
        var serviceId = NewServiceId();
        await using var storage = await CreateStorageAsync(nats.Url, serviceId);
        var grainId = GrainId.Create("agent", "chat-42");
        var state = new GrainState<ChatState>(new ChatState { Title = "hello", Turns = ["a", "b"] });

        await storage.WriteStateAsync("conversation", grainId, state);

        Assert.True(state.RecordExists);
        Assert.NotNull(state.ETag);

        // A foreign client sees a readable key and JSON value, and the ETag is the KV revision.
        await using var raw = nats.Server.Connect();
        var kv = await raw.CreateKeyValueStoreContext().GetStoreAsync(Bucket);
        var key = $"{serviceId}.agent.chat-42.conversation";
        var entry = await kv.GetEntryAsync<byte[]>(key, serializer: NatsRawSerializer<byte[]>.Default);
        Assert.Equal(state.ETag, entry.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var json = JsonDocument.Parse(entry.Value!);
        Assert.Equal("hello", json.RootElement.GetProperty("title").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("turns").GetArrayLength());

        var read = new GrainState<ChatState>();
        await storage.ReadStateAsync("conversation", grainId, read);
        Assert.True(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal("hello", read.State!.Title);
        Assert.Equal(["a", "b"], read.State!.Turns);

        read.State!.Turns.Add("c");
        await storage.WriteStateAsync("conversation", grainId, read);
        Assert.True(ulong.Parse(read.ETag!, System.Globalization.CultureInfo.InvariantCulture) > ulong.Parse(state.ETag!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Reading_a_missing_state_gives_a_fresh_state_without_record()
    {
        await using var storage = await CreateStorageAsync(nats.Url, NewServiceId());
        var state = new GrainState<ChatState>(new ChatState { Title = "left over" });

        await storage.ReadStateAsync("conversation", GrainId.Create("agent", "nobody"), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.NotNull(state.State);
        Assert.Null(state.State!.Title);
    }

    [Fact]
    public async Task A_stale_write_fails_with_InconsistentStateException_and_does_not_overwrite()
    {
        await using var storage = await CreateStorageAsync(nats.Url, NewServiceId());
        var grainId = GrainId.Create("agent", "race");
        var first = new GrainState<ChatState>(new ChatState { Title = "v1" });
        await storage.WriteStateAsync("s", grainId, first);

        var activationA = new GrainState<ChatState>();
        var activationB = new GrainState<ChatState>();
        await storage.ReadStateAsync("s", grainId, activationA);
        await storage.ReadStateAsync("s", grainId, activationB);

        activationA.State!.Title = "from A";
        await storage.WriteStateAsync("s", grainId, activationA);

        activationB.State!.Title = "from B";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grainId, activationB));

        // Writing as if no record existed is stale too.
        var blind = new GrainState<ChatState>(new ChatState { Title = "blind" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grainId, blind));

        var check = new GrainState<ChatState>();
        await storage.ReadStateAsync("s", grainId, check);
        Assert.Equal("from A", check.State!.Title);
        Assert.Equal(activationA.ETag, check.ETag);
    }

    [Fact]
    public async Task Clear_tombstones_the_key_resets_the_etag_and_a_later_write_works()
    {
        var serviceId = NewServiceId();
        await using var storage = await CreateStorageAsync(nats.Url, serviceId);
        var grainId = GrainId.Create("agent", "to-clear");
        var state = new GrainState<ChatState>(new ChatState { Title = "x" });
        await storage.WriteStateAsync("s", grainId, state);
        var stale = new GrainState<ChatState>();
        await storage.ReadStateAsync("s", grainId, stale);

        await storage.ClearStateAsync("s", grainId, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Null(state.State!.Title);

        await using (var raw = nats.Server.Connect())
        {
            var kv = await raw.CreateKeyValueStoreContext().GetStoreAsync(Bucket);
            var result = await kv.TryGetEntryAsync<byte[]>($"{serviceId}.agent.to-clear.s", serializer: NatsRawSerializer<byte[]>.Default);
            Assert.IsType<NatsKVKeyDeletedException>(result.Error);
        }

        var afterClear = new GrainState<ChatState>();
        await storage.ReadStateAsync("s", grainId, afterClear);
        Assert.False(afterClear.RecordExists);
        Assert.Null(afterClear.ETag);

        // The activation that read before the clear is stale: neither its write nor its clear may succeed.
        stale.State!.Title = "stale";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grainId, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", grainId, stale));

        state.State!.Title = "reborn";
        await storage.WriteStateAsync("s", grainId, state);
        Assert.True(state.RecordExists);
        Assert.NotNull(state.ETag);

        var reread = new GrainState<ChatState>();
        await storage.ReadStateAsync("s", grainId, reread);
        Assert.Equal("reborn", reread.State!.Title);
        Assert.Equal(state.ETag, reread.ETag);

        // Clearing a state that has no record is a no-op; clearing without an etag while a record exists is a conflict.
        await storage.ClearStateAsync("s", GrainId.Create("agent", "never-written"), new GrainState<ChatState>());
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", grainId, new GrainState<ChatState>()));
    }

    public static TheoryData<string> AwkwardKeys() =>
    [
        "",
        "plain",
        "with.dots..and.",
        ".leading",
        "spaces and\ttabs\nnewlines",
        "wild*cards>and>",
        "=3D=already-escaped=",
        "slashes/and\\backslashes",
        "ünïcødé-会話-🙂",
        "$KV.bucket.key",
        new string('x', 5000),
        new string('.', 400),
    ];

    [Theory]
    [MemberData(nameof(AwkwardKeys))]
    public async Task Any_grain_key_maps_to_a_legal_kv_key_and_round_trips(string grainKey)
    {
        await using var storage = await CreateStorageAsync(nats.Url, NewServiceId());
        var grainId = Id("agent.type", grainKey);
        var state = new GrainState<ChatState>(new ChatState { Title = grainKey });

        await storage.WriteStateAsync("state.name", grainId, state);
        var read = new GrainState<ChatState>();
        await storage.ReadStateAsync("state.name", grainId, read);

        Assert.True(read.RecordExists);
        Assert.Equal(grainKey, read.State!.Title);

        var key = NatsGrainStorageKeys.GetKey("svc", grainId, "state.name");
        Assert.Matches("^[-/_=.a-zA-Z0-9]+$", key);
        Assert.DoesNotContain("..", key, StringComparison.Ordinal);
        Assert.InRange(key.Length, 1, NatsGrainStorageKeys.MaxKeyLength);
        var segments = key.Split('.');
        Assert.Equal(4, segments.Length);
        var decoded = NatsGrainStorageKeys.DecodeSegment(segments[2]);
        if (decoded is not null)
        {
            Assert.Equal(grainKey, Encoding.UTF8.GetString(decoded));
        }
        else
        {
            Assert.StartsWith("=H", segments[2], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Distinct_ids_and_state_names_never_share_a_key()
    {
        await using var storage = await CreateStorageAsync(nats.Url, NewServiceId());
        var ids = new[] { "a.b", "a=2Eb", "a", "A", "a/b", "a b", "", "=" };
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            foreach (var stateName in new[] { "s", "t" })
            {
                Assert.True(keys.Add(NatsGrainStorageKeys.GetKey("svc", Id("g", id), stateName)), $"{id}/{stateName}");
                await storage.WriteStateAsync(stateName, Id("g", id), new GrainState<ChatState>(new ChatState { Title = id + "|" + stateName }));
            }
        }

        foreach (var id in ids)
        {
            foreach (var stateName in new[] { "s", "t" })
            {
                var read = new GrainState<ChatState>();
                await storage.ReadStateAsync(stateName, Id("g", id), read);
                Assert.Equal(id + "|" + stateName, read.State!.Title);
            }
        }
    }

    [Fact]
    public async Task A_state_larger_than_max_payload_fails_with_a_clear_error_naming_grain_and_sizes()
    {
        await using var small = await NatsServer.StartAsync(maxPayload: 4096);
        await using var storage = await CreateStorageAsync(small.Url, NewServiceId());
        var grainId = GrainId.Create("agent", "big-talker");
        var state = new GrainState<ChatState>(new ChatState { Title = new string('x', 8000) });

        var ex = await Assert.ThrowsAsync<NatsGrainStorageException>(() => storage.WriteStateAsync("conversation", grainId, state));

        Assert.Contains("agent/big-talker", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4096", ex.Message, StringComparison.Ordinal);
        Assert.Contains("80", ex.Message, StringComparison.Ordinal); // the ~8 kB size
        Assert.Contains("max_payload", ex.Message, StringComparison.Ordinal);
        Assert.Null(state.ETag);

        // A state that fits still works on the same server.
        state.State!.Title = "short";
        await storage.WriteStateAsync("conversation", grainId, state);
        Assert.NotNull(state.ETag);
    }

    [Fact]
    public async Task The_bucket_is_created_with_the_configured_storage_and_replicas()
    {
        var bucket = "state-" + Guid.NewGuid().ToString("N")[..8];
        await using var storage = await CreateStorageAsync(nats.Url, NewServiceId(), o =>
        {
            o.BucketName = bucket;
            o.StorageType = NatsKVStorageType.Memory;
            o.Replicas = 1;
        });

        await using var raw = nats.Server.Connect();
        var stream = await raw.CreateJetStreamContext().GetStreamAsync("KV_" + bucket);
        Assert.Equal(NATS.Client.JetStream.Models.StreamConfigStorage.Memory, stream.Info.Config.Storage);
        Assert.Equal(1, stream.Info.Config.NumReplicas);
        Assert.Equal(1, stream.Info.Config.MaxMsgsPerSubject);

        // A second provider instance (another silo) opens the existing bucket.
        await using var second = await CreateStorageAsync(nats.Url, NewServiceId(), o => o.BucketName = bucket);
    }

    [Fact]
    public async Task Init_fails_clearly_without_a_server()
    {
        var url = $"nats://127.0.0.1:{NatsServer.FreePort()}";
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => CreateStorageAsync(url, NewServiceId()));
        Assert.Contains(url, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "orleans-grain-state", 1)]
    [InlineData("http://localhost:4222", "orleans-grain-state", 1)]
    [InlineData("nats://localhost:4222", "bad.bucket", 1)]
    [InlineData("nats://localhost:4222", "orleans-grain-state", 0)]
    [InlineData("nats://localhost:4222", "orleans-grain-state", 6)]
    public void The_validator_rejects_unusable_options(string url, string bucket, int replicas)
    {
        var validator = new NatsGrainStorageOptionsValidator(new NatsGrainStorageOptions { Endpoint = new MeshEndpoint(url), BucketName = bucket, Replicas = replicas }, "x");
        Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);
    }

    [Fact]
    public void The_validator_accepts_defaults_and_server_lists()
    {
        new NatsGrainStorageOptionsValidator(new NatsGrainStorageOptions(), "x").ValidateConfiguration();
        new NatsGrainStorageOptionsValidator(new NatsGrainStorageOptions { Endpoint = new MeshEndpoint("nats://a:4222, nats://b:4222") }, "x").ValidateConfiguration();
    }
}
