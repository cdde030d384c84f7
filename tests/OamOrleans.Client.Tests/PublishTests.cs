using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Port of the reference TypeScript <c>publish.test.ts</c> and the Python <c>test_publish.py</c> P tests: a plain NATS subscriber checks the wire.</summary>
[Trait("Category", "Integration")]
public sealed class PublishTests(NatsFixture fx) : IClassFixture<NatsFixture>, IAsyncLifetime
{
    private NatsConnection _raw = null!;
    private MeshClient _client = null!;

    public async Task InitializeAsync()
    {
        _raw = fx.Server.Connect("raw-listener");
        await _raw.ConnectAsync();
        _client = await MeshClient.ConnectAsync(fx.Server.Url);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _raw.DisposeAsync();
    }

    private sealed record Reading(string Sensor, double Value);

    private async Task<NatsMsg<byte[]>> PublishAndReceive(string subject, Func<Task> publish)
    {
        await using var sub = await _raw.SubscribeCoreAsync(subject, serializer: NatsRawSerializer<byte[]>.Default);
        await _raw.PingAsync();
        await publish();
        return await sub.Msgs.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static string? H(NatsMsg<byte[]> msg, string name) => msg.Headers is { } h && h.TryGetValue(name, out var v) ? v.ToString() : null;

    [Fact]
    public async Task Object_payload_is_json_with_ids()
    {
        var subject = $"sensor.t{Guid.NewGuid():N}";
        string rid = "";

        var msg = await PublishAndReceive(subject, async () => rid = await _client.PublishAsync(subject, new Reading("t1", 21.5)));

        Assert.Equal("application/json", H(msg, MeshHeaders.ContentType));
        Assert.Equal(rid, H(msg, MeshHeaders.RequestId));
        Assert.Matches("^[0-9a-f]{32}$", rid);
        Assert.Equal(_client.InstanceId, H(msg, MeshHeaders.InstanceId));
        var body = JsonDocument.Parse(msg.Data).RootElement;
        Assert.Equal("t1", body.GetProperty("sensor").GetString());
        Assert.Equal(21.5, body.GetProperty("value").GetDouble());
        Assert.Null(msg.ReplyTo);
    }

    [Fact]
    public async Task String_payload_is_utf8_text_plain()
    {
        var subject = $"logs.t{Guid.NewGuid():N}";

        var msg = await PublishAndReceive(subject, () => _client.PublishAsync(subject, "héllo").AsTask());

        Assert.Equal("text/plain", H(msg, MeshHeaders.ContentType));
        Assert.Equal("héllo", Encoding.UTF8.GetString(msg.Data!));
    }

    [Fact]
    public async Task Bytes_payload_is_sent_unchanged_as_octet_stream()
    {
        var subject = $"blob.t{Guid.NewGuid():N}";
        byte[] data = [0, 1, 2, 255];

        var msg = await PublishAndReceive(subject, () => _client.PublishAsync(subject, data).AsTask());
        var mem = await PublishAndReceive(subject, () => _client.PublishAsync(subject, (ReadOnlyMemory<byte>)data).AsTask());

        Assert.Equal("application/octet-stream", H(msg, MeshHeaders.ContentType));
        Assert.Equal(data, msg.Data);
        Assert.Equal(data, mem.Data);
        Assert.Equal("application/octet-stream", H(mem, MeshHeaders.ContentType));
    }

    [Fact]
    public async Task Caller_headers_win_over_the_sdk_headers()
    {
        var subject = $"sensor.t{Guid.NewGuid():N}";
        string rid = "";

        var msg = await PublishAndReceive(subject, async () => rid = await _client.PublishAsync(subject, new { a = 1 }, new Dictionary<string, string>
        {
            [MeshHeaders.ContentType] = "application/vnd.custom+json",
            [MeshHeaders.InstanceId] = "mine",
            [MeshHeaders.RequestId] = "my-request",
            ["X-Trace"] = "t-1",
        }));

        Assert.Equal("application/vnd.custom+json", H(msg, MeshHeaders.ContentType));
        Assert.Equal("mine", H(msg, MeshHeaders.InstanceId));
        Assert.Equal("my-request", H(msg, MeshHeaders.RequestId));
        Assert.Equal("my-request", rid);
        Assert.Equal("t-1", H(msg, "X-Trace"));
    }

    [Theory]
    [InlineData("sensor.*")]
    [InlineData("sensor.>")]
    [InlineData(">")]
    [InlineData("a*b")]
    public async Task Wildcard_subjects_are_rejected(string subject)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => _client.PublishAsync(subject, "x").AsTask());

        Assert.Contains("wildcard", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("a..b")]
    [InlineData("a b")]
    [InlineData("a/b")]
    public async Task Empty_and_malformed_subjects_are_rejected(string subject)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.PublishAsync(subject, "x").AsTask());
    }

    [Fact]
    public async Task Null_payload_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => _client.PublishAsync("a.b", null!).AsTask());
    }
}
