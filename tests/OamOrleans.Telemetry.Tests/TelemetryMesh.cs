using System.Diagnostics;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Telemetry.Tests;

/// <summary>What the telemetry tests share: a silo hosting the sample agents and the test agents (not <c>trace.solo</c>).</summary>
internal static class TelemetryMesh
{
    public static void SampleAndRelayAgents(ISiloBuilder silo)
    {
        silo.AddActivityPropagation(); // Orleans' grain-call spans: a host that traces turns them on
        silo.AddAgentsFromAssembly(typeof(EchoAgent).Assembly);
        silo.AddAgent<RelayAgent>();
    }

    /// <summary>A request from a plain NATS client (no code of ours), with any extra headers.</summary>
    public static async Task<NatsMsg<byte[]>> RequestAsync(INatsConnection nats, string agent, string json, IDictionary<string, string>? headers = null, string? requestId = null)
    {
        var h = new NatsHeaders { [MeshHeaders.RequestId] = requestId ?? MeshIds.New() };
        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            h[k] = v;
        }

        return await nats.RequestAsync<byte[], byte[]>(MeshSubjects.Agent(agent), Encoding.UTF8.GetBytes(json), headers: h,
            replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(15) });
    }

    public static string? Header(NatsMsg<byte[]> msg, string name) => msg.Headers is { } h && h.TryGetValue(name, out var v) ? v.ToString() : null;

    public static JsonElement Json(NatsMsg<byte[]> msg) => JsonDocument.Parse(msg.Data ?? []).RootElement.Clone();

    /// <summary>A fresh W3C parent: trace id, span id and the <c>traceparent</c> header (sampled).</summary>
    public static (ActivityTraceId Trace, ActivitySpanId Span, string Header) NewTraceParent()
    {
        var trace = ActivityTraceId.CreateRandom();
        var span = ActivitySpanId.CreateRandom();
        return (trace, span, $"00-{trace}-{span}-01");
    }
}
