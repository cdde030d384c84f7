using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>Helpers every verb shares: payloads, JSON settings, connection guards, catalog look-ups, death errors.</summary>
public sealed partial class MeshClient
{
    /// <summary>The reference's payload rule: null is an empty body, bytes go unchanged, anything else is JSON.</summary>
    internal static ReadOnlyMemory<byte> SerializePayload(object? payload, JsonSerializerOptions json) => payload switch
    {
        null => ReadOnlyMemory<byte>.Empty,
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> memory => memory,
        _ => JsonSerializer.SerializeToUtf8Bytes(payload, payload.GetType(), json),
    };

    /// <summary>The <c>agent_died</c> error for a death notice body; details = the notice JSON as received.</summary>
    internal static AgentDiedException Died(string agent, string requestId, byte[]? data, string during)
    {
        data ??= [];
        var parsed = DeathNotice.Parse(data);
        JsonElement details;
        try
        {
            details = JsonDocument.Parse(data).RootElement.Clone();
        }
        catch (JsonException)
        {
            details = parsed.ToJsonElement();
        }

        var reason = parsed.Reason.Length == 0 ? "unknown" : parsed.Reason;
        return new AgentDiedException($"Agent '{agent}' died during {during} ({reason})", agent, requestId, details);
    }

    /// <summary>The catalog entry for <paramref name="agent"/> from the local cache (the last one when duplicated), or null.</summary>
    internal CatalogEntry? CachedEntry(string agent)
    {
        CatalogEntry? entry = null;
        foreach (var e in _catalog.Entries)
        {
            if (e.Name == agent)
            {
                entry = e;
            }
        }

        return entry;
    }

    /// <summary>A reply or frame with <c>X-Mesh-Status: error</c> carries an error envelope.</summary>
    internal static bool IsErrorStatus(NatsHeaders headers) =>
        headers.TryGetValue(MeshHeaders.Status, out var status) && status.ToString() == MeshHeaders.StatusError;

    private JsonSerializerOptions JsonOptionsFor(JsonSerializerOptions? perCall) => perCall ?? _options.JsonOptions ?? MeshJson.Options;

    private void ThrowIfReconnecting(string agent, string requestId)
    {
        if (Connection.ConnectionState == NatsConnectionState.Reconnecting)
        {
            // The reference never reconnects: a request now would only wait out its deadline.
            throw Reconnecting(agent, requestId);
        }
    }

    /// <summary>The error of a request made while the connection is lost and NATS.Net reconnects.</summary>
    internal ConnectionFailedException Reconnecting(string agent, string requestId) =>
        new($"Not connected to the mesh (connection lost, reconnecting to {MeshConnectWait.Redact(Connection.Opts.Url)})", agent, requestId);

    /// <summary>Runs a NATS operation, turning connection failures into <see cref="ConnectionFailedException"/>.</summary>
    private static async ValueTask<T> Guard<T>(string agent, string requestId, Func<ValueTask<T>> operation, CancellationToken ct)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsConnectionFailedException or NatsException or ObjectDisposedException && !ct.IsCancellationRequested)
        {
            throw new ConnectionFailedException($"Not connected to the mesh: {e.Message}", agent, requestId, innerException: e);
        }
    }

    /// <summary>Runs a NATS operation without a result (a publish), like <see cref="Guard{T}"/>.</summary>
    private static ValueTask<bool> Guard(string agent, string requestId, Func<ValueTask> operation, CancellationToken ct) =>
        Guard(agent, requestId, async () =>
        {
            await operation().ConfigureAwait(false);
            return true;
        }, ct);

    /// <summary>A task raced and abandoned: its fault is observed so it never surfaces as an unobserved exception.</summary>
    private static void ObserveFault(Task? task) =>
        task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
