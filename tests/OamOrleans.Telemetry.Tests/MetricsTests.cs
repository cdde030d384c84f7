using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using NATS.Client.Core;
using OamOrleans.Bridge;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace OamOrleans.Telemetry.Tests;

/// <summary>The instruments of meter <c>OamOrleans</c>, read with a <see cref="MeterListener"/> after real calls.</summary>
[Trait("Category", "Integration")]
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private NatsServer _nats = null!;
    private TestSilo _silo = null!;
    private NatsConnection _caller = null!;

    public async Task InitializeAsync()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeshTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Keep(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Keep(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Keep(i, v, tags));
        _listener.Start();
        _nats = await NatsServer.StartAsync();
        _silo = await TestSilo.StartAsync(_nats.Url, agents: TelemetryMesh.SampleAndRelayAgents);
        _caller = new NatsConnection(new NatsOpts { Url = _nats.Url });
    }

    private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var (k, v) in tags)
        {
            copy[k] = v;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }

    private double Sum(string name, string agent, params (string Key, string Value)[] where) =>
        _measurements.Where(m => m.Name == name && Equals(m.Tags.GetValueOrDefault("oam.agent"), agent) && where.All(w => Equals(m.Tags.GetValueOrDefault(w.Key), w.Value)))
            .Sum(m => m.Value);

    private int Count(string name, string agent) => _measurements.Count(m => m.Name == name && Equals(m.Tags.GetValueOrDefault("oam.agent"), agent));

    [Fact]
    public async Task Requests_durations_in_flight_validation_failures_streams_tokens_and_registrations_are_counted_per_agent()
    {
        // Registered at start, before any call.
        Assert.Equal(1, Sum("oam.agent.registrations", "demo.echo"));

        for (var i = 0; i < 5; i++)
        {
            await TelemetryMesh.RequestAsync(_caller, "demo.echo", """{"message":"hi"}""");
        }

        await TelemetryMesh.RequestAsync(_caller, "demo.echo", """{"message":5}""");
        await TelemetryMesh.RequestAsync(_caller, "demo.fail", """{"message":"x"}""");
        await TelemetryMesh.RequestAsync(_caller, "demo.fail", """{"message":"x"}""");
        await TelemetryMesh.RequestAsync(_caller, "demo.shout", """{"message":"x"}""");
        await using var client = await MeshClient.ConnectAsync(_nats.Url, new MeshClientOptions { EnsureBuckets = false });
        await foreach (var _ in client.StreamAsync<System.Text.Json.JsonElement>("demo.words", new { message = "a b c d" }))
        {
        }

        await Poll.UntilAsync(() => Sum("oam.agent.requests", "demo.shout") == 1 && Sum("oam.agent.streams", "demo.words") == 1, "the last requests counted");
        Assert.Equal(5, Sum("oam.agent.requests", "demo.echo", ("oam.status", "ok"), ("oam.transport", "nats")));
        Assert.Equal(1, Sum("oam.agent.requests", "demo.echo", ("oam.status", "ok"), ("oam.transport", "cluster")));   // from demo.shout
        Assert.Equal(1, Sum("oam.agent.requests", "demo.echo", ("oam.status", "error"), ("error.type", "invalid_input")));
        Assert.Equal(1, Sum("oam.agent.validation_failures", "demo.echo"));
        Assert.Equal(2, Sum("oam.agent.requests", "demo.fail", ("oam.status", "error"), ("error.type", "handler_error")));
        Assert.Equal(7, Count("oam.agent.request.duration", "demo.echo"));
        Assert.All(_measurements.Where(m => m.Name == "oam.agent.request.duration"), m => Assert.InRange(m.Value, 1e-7, 10));
        Assert.Equal(0, Sum("oam.agent.requests.active", "demo.echo"));              // every +1 taken off again
        Assert.Equal(7, _measurements.Count(m => m.Name == "oam.agent.requests.active" && Equals(m.Tags["oam.agent"], "demo.echo") && m.Value == 1));
        Assert.Equal(1, Sum("oam.agent.streams", "demo.words", ("oam.status", "ok")));
        Assert.Equal(4, Sum("oam.agent.stream.chunks", "demo.words"));
        Assert.Equal(4, Sum("oam.agent.usage.tokens", "demo.words", ("gen_ai.token.type", "output")));

        // The publisher's events (demo.ticker: one a second).
        await Poll.UntilAsync(() => Sum("oam.agent.events", "demo.ticker") >= 1, "a demo.ticker event counted", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_burst_to_a_stateless_agent_records_its_batch_sizes()
    {
        var calls = Enumerable.Range(0, 400).Select(_ => TelemetryMesh.RequestAsync(_caller, "demo.echo", """{"message":"b"}""")).ToList();
        await Task.WhenAll(calls);
        var batches = _measurements.Where(m => m.Name == "oam.agent.batch.size" && Equals(m.Tags["oam.agent"], "demo.echo")).Select(m => m.Value).ToList();
        Assert.All(batches, size => Assert.InRange(size, 1, 32));
        Assert.True(batches.Sum() <= 400);
        Assert.Equal(400, Sum("oam.agent.requests", "demo.echo", ("oam.status", "ok")));
    }

    [Fact]
    public async Task Stopping_the_only_silo_of_an_agent_counts_its_deregistration_and_death_notice()
    {
        var solo = await TestSilo.StartAsync(_nats.Url, primary: null, agents: s => s.AddAgent<SoloAgent>());
        Assert.Equal(1, Sum("oam.agent.registrations", "trace.solo"));
        await solo.DisposeAsync();
        Assert.Equal(1, Sum("oam.agent.deregistrations", "trace.solo"));
        Assert.Equal(1, Sum("oam.agent.death_notices", "trace.solo"));
    }

    [Fact]
    public async Task A_grain_call_retried_after_a_lost_silo_is_counted()
    {
        var failover = _silo.Services.GetRequiredService<GrainCallFailover>();
        var attempts = 0;
        var result = await failover.CallAsync("trace.failover", () => ++attempts < 3
            ? throw new SiloUnavailableException("test: silo lost")
            : Task.FromResult(attempts));
        Assert.Equal(3, result);
        Assert.Equal(2, Sum("oam.agent.failover.retries", "trace.failover"));
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _caller.DisposeAsync();
        await _silo.DisposeAsync();
        await _nats.DisposeAsync();
    }
}
