using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Runtime.Tests;

/// <summary>What a plain NATS client (no code of ours) sends and receives.</summary>
internal static class RawNats
{
    public static async Task<NatsMsg<byte[]>> RequestAsync(INatsConnection nats, string agent, string? json, string? requestId = null, IDictionary<string, string>? headers = null, TimeSpan? timeout = null)
    {
        var h = new NatsHeaders { [MeshHeaders.RequestId] = requestId ?? MeshIds.New() };
        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            h[k] = v;
        }

        return await nats.RequestAsync<byte[], byte[]>(
            MeshSubjects.Agent(agent),
            json is null ? [] : Encoding.UTF8.GetBytes(json),
            headers: h,
            replyOpts: new NatsSubOpts { Timeout = timeout ?? TimeSpan.FromSeconds(10) });
    }

    public static Task<NatsMsg<byte[]>> RequestBytesAsync(INatsConnection nats, string agent, byte[] body) =>
        nats.RequestAsync<byte[], byte[]>(
            MeshSubjects.Agent(agent),
            body,
            headers: new NatsHeaders { [MeshHeaders.RequestId] = MeshIds.New() },
            replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(10) }).AsTask();

    public static string Header(NatsMsg<byte[]> msg, string name) =>
        msg.Headers is { } h && h.TryGetValue(name, out var v) ? v.ToString() : throw new Xunit.Sdk.XunitException($"header {name} missing");

    public static bool HasHeader(NatsMsg<byte[]> msg, string name) => msg.Headers?.ContainsKey(name) == true;

    public static JsonElement Json(NatsMsg<byte[]> msg) => JsonDocument.Parse(msg.Data ?? []).RootElement.Clone();

    public static JsonElement Json(byte[]? body) => JsonDocument.Parse(body ?? []).RootElement.Clone();
}
