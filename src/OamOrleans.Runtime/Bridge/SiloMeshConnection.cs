using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using Orleans.Runtime;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;

namespace OamOrleans.Bridge;

/// <summary>
/// The silo's one NATS connection, named <c>oam-host-{instance_id}</c>. Opened early in start-up (so agents can call
/// out as soon as they activate) and closed last, after the bridge has drained and grains have deactivated.
/// </summary>
internal sealed partial class SiloMeshConnection(IOptions<MeshHostOptions> options, AgentCatalog agents, ILogger<SiloMeshConnection> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private NatsConnection? _connection;

    public string InstanceId { get; } = options.Value.InstanceId ?? MeshIds.New();

    public MeshEndpoint Endpoint { get; } = options.Value.Endpoint ?? MeshEndpoint.Resolve();

    public string Url => Endpoint.Url;

    public IReadOnlyList<string> Agents => agents.Names;

    public NatsConnection Connection => _connection ?? throw new InvalidOperationException("The silo's mesh connection is not open yet.");

    /// <summary>The connection, or null before it opened and after it closed (readiness asks at any time).</summary>
    public NatsConnection? TryGetConnection() => Volatile.Read(ref _connection);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloMeshConnection), ServiceLifecycleStage.RuntimeInitialize, OpenAsync, CloseAsync);

    private async Task OpenAsync(CancellationToken ct)
    {
        // NATS may come up after the silo (containers): wait for it, up to ConnectTimeout.
        var connection = await Endpoint.ConnectAsync(MeshSubjects.ConnectionName(InstanceId), options.Value.ConnectTimeout, logger, ct);
        _connection = connection;
        if (logger.IsEnabled(LogLevel.Information))
        {
            var url = MeshEndpoint.Redact(Endpoint.Url);
            LogConnected(logger, url, InstanceId);
        }
    }

    private async Task CloseAsync(CancellationToken ct) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to NATS at {Url} as oam-host-{InstanceId}")]
    private static partial void LogConnected(ILogger logger, string url, string instanceId);
}
