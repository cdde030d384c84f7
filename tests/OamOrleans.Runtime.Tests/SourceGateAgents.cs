using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OamOrleans.Client;

namespace OamOrleans.Runtime.Tests;

public sealed record Reading(string Sensor, double Value);

/// <summary>What the source test agents received, with the silo that handled it (the silo runs in the test process).</summary>
public static class SourceSink
{
    private static readonly ConcurrentQueue<(string Agent, string Instance, object Item)> Items = new();

    public static void Add(string agent, string instance, object item) => Items.Enqueue((agent, instance, item));

    public static IReadOnlyList<(string Instance, T Item)> Of<T>(string agent) =>
        Items.Where(i => i.Agent == agent && i.Item is T).Select(i => (i.Instance, (T)i.Item)).ToList();

    /// <summary>Waits until <paramref name="condition"/> holds (checked as deliveries arrive), at most 10 s.</summary>
    public static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    internal static string InstanceOf(IServiceProvider services) => services.GetRequiredService<IMeshHost>().InstanceId;
}

[Agent("test.src.model", Description = "Receives readings from a subject.")]
[SubjectSource("srctest.model.>")]
public sealed class ModelSourceAgent : SourceAgent<Reading>
{
    protected override Task HandleAsync(Reading input, AgentContext context)
    {
        SourceSink.Add("test.src.model", SourceSink.InstanceOf(ServiceProvider), input);
        return Task.CompletedTask;
    }
}

[Agent("test.src.raw", Description = "Receives raw bytes from a subject.")]
[SubjectSource("srctest.raw")]
public sealed class RawSourceAgent : SourceAgent<byte[]>
{
    protected override Task HandleAsync(byte[] input, AgentContext context)
    {
        if (Encoding.UTF8.GetString(input) == "boom")
        {
            throw new InvalidOperationException("only logged");
        }

        SourceSink.Add("test.src.raw", SourceSink.InstanceOf(ServiceProvider), input);
        return Task.CompletedTask;
    }
}

[Agent("test.src.envelope", Description = "Receives messages with their envelope.")]
[SubjectSource("srctest.env.*")]
public sealed class EnvelopeSourceAgent : SourceAgent<MeshMessage<Reading>>
{
    protected override Task HandleAsync(MeshMessage<Reading> input, AgentContext context)
    {
        SourceSink.Add("test.src.envelope", SourceSink.InstanceOf(ServiceProvider), input);
        return Task.CompletedTask;
    }
}

[Agent("test.src.queued", Description = "Splits a subject's messages across silos.")]
[SubjectSource("srctest.queued", QueueGroup = "srctest-workers")]
public sealed class QueuedSourceAgent : SourceAgent<string>
{
    protected override Task HandleAsync(string input, AgentContext context)
    {
        SourceSink.Add("test.src.queued", SourceSink.InstanceOf(ServiceProvider), input);
        return Task.CompletedTask;
    }
}

[Agent("test.src.kvreplay", Description = "Watches plan keys, replaying the existing ones.")]
[KvSource("srcreplay.*")]
public sealed class KvReplaySourceAgent : SourceAgent<KvEntry<Reading>>
{
    protected override Task HandleAsync(KvEntry<Reading> input, AgentContext context)
    {
        SourceSink.Add("test.src.kvreplay", SourceSink.InstanceOf(ServiceProvider), input);
        return Task.CompletedTask;
    }
}

[Agent("test.src.kvskip", Description = "Watches keys, skipping the existing ones.")]
[KvSource("srcskip.*", Replay = false)]
public sealed class KvSkipSourceAgent : SourceAgent<KvEntry<string>>
{
    protected override Task HandleAsync(KvEntry<string> input, AgentContext context)
    {
        SourceSink.Add("test.src.kvskip", SourceSink.InstanceOf(ServiceProvider), input);
        return Task.CompletedTask;
    }
}

/// <summary>Both invocable and source-bound: a call and a message on its subject run the same handler.</summary>
[Agent("test.src.responder", Description = "Answers calls and handles messages of a subject.")]
[SubjectSource("srctest.responder")]
public sealed class SourceBoundResponderAgent : Agent<Reading, string>
{
    protected override Task<string> HandleAsync(Reading input, AgentContext context)
    {
        SourceSink.Add("test.src.responder", SourceSink.InstanceOf(ServiceProvider), input);
        return Task.FromResult($"{input.Sensor}={input.Value}");
    }
}

/// <summary>Sleeps for the requested milliseconds while its KV gate <c>gates.kv</c> is open (JSON truthy).</summary>
[Agent("test.gated.kv", Description = "Gated on a KV flag.")]
[ActiveWhen(Kv = "gates.kv", DrainTimeoutSeconds = 10)]
public sealed class KvGatedAgent : Agent<int, string>
{
    private static readonly CountedSleep Sleep = new();

    public static int Running => Sleep.Running;

    protected override Task<string> HandleAsync(int input, AgentContext context) => Sleep.RunAsync(input);
}

[Agent("test.gated.subject", Description = "Gated on control messages.")]
[ActiveWhen(Subject = "gates.control", WhenEquals = "on", DrainTimeoutSeconds = 5)]
public sealed class SubjectGatedAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) => Task.FromResult("gated " + input);
}

[Agent("test.gated.initial", Description = "Open until its flag says otherwise.")]
[ActiveWhen(Kv = "gates.initial", Initial = true)]
public sealed class InitiallyOpenAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) => Task.FromResult("open " + input);
}

/// <summary>Open when the flag's text is <c>go</c>.</summary>
public sealed class OpenOnGo : IGateCondition
{
    public bool IsOpen(ReadOnlyMemory<byte>? value) => value is { } v && Encoding.UTF8.GetString(v.Span) == "go";
}

[Agent("test.gated.preset", Description = "Gated on a flag set before the silo started.")]
[ActiveWhen(Kv = "gates.preset", Condition = typeof(OpenOnGo))]
public sealed class PresetGatedAgent : Agent<string, string>
{
    protected override Task<string> HandleAsync(string input, AgentContext context) => Task.FromResult("preset " + input);
}

/// <summary>Like <see cref="KvGatedAgent"/> with a drain timeout shorter than its requests.</summary>
[Agent("test.gated.short", Description = "Gated with a short drain timeout.")]
[ActiveWhen(Kv = "gates.short", DrainTimeoutSeconds = 0.3)]
public sealed class ShortDrainGatedAgent : Agent<int, string>
{
    private static readonly CountedSleep Sleep = new();

    public static int Running => Sleep.Running;

    protected override Task<string> HandleAsync(int input, AgentContext context) => Sleep.RunAsync(input);
}

/// <summary>Open from the start, slow, and counting its running handlers: a gated agent under load.</summary>
[Agent("test.gated.slow", Description = "Gated, open from the start, sleeps.")]
[ActiveWhen(Kv = "gates.slow", Initial = true)]
public sealed class SlowGatedAgent : Agent<int, string>
{
    private static readonly CountedSleep Sleep = new();
    private static int _mostRunning;

    public static int MostRunning => Volatile.Read(ref _mostRunning);

    protected override Task<string> HandleAsync(int input, AgentContext context)
    {
        var task = Sleep.RunAsync(input);
        int seen, running = Sleep.Running;
        while (running > (seen = Volatile.Read(ref _mostRunning)) && Interlocked.CompareExchange(ref _mostRunning, running, seen) != seen)
        {
        }

        return task;
    }
}
