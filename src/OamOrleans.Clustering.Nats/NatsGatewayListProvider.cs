using System.Net;
using Microsoft.Extensions.Logging;
using OamOrleans.Nats;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;

namespace OamOrleans.Clustering.Nats;

/// <summary>Gives external Orleans clients the gateways (active silos with a proxy port) listed in the NATS membership table.</summary>
internal sealed partial class NatsGatewayListProvider : IGatewayListProvider, IAsyncDisposable
{
    private readonly NatsMembershipStore _store;
    private readonly string _clusterId;
    private readonly ILogger<NatsGatewayListProvider> _logger;

    public NatsGatewayListProvider(
        IOptions<NatsClusteringOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        IOptions<GatewayOptions> gatewayOptions,
        ILogger<NatsGatewayListProvider> logger)
    {
        _store = new NatsMembershipStore(options.Value, "orleans-gateway-list");
        _clusterId = clusterOptions.Value.ClusterId;
        MaxStaleness = gatewayOptions.Value.GatewayListRefreshPeriod;
        _logger = logger;
    }

    public TimeSpan MaxStaleness { get; }

    public bool IsUpdatable => true;

    public async Task InitializeGatewayListProvider()
    {
        var exists = await _store.InitializeAsync(create: false, CancellationToken.None).ConfigureAwait(false);
        if (!exists)
        {
            LogNoBucket(_logger, _store.Bucket, NatsUrlRedaction.Redact(_store.Url));
        }
    }

    public async Task<IList<Uri>> GetGateways()
    {
        if (!await _store.InitializeAsync(create: false, CancellationToken.None).ConfigureAwait(false))
        {
            return [];
        }

        var (document, _) = await _store.ReadAsync(_clusterId, CancellationToken.None).ConfigureAwait(false);
        if (document is null)
        {
            return [];
        }

        return document.Members
            .Where(m => m.Status == SiloStatus.Active && m.ProxyPort != 0)
            .Select(m =>
            {
                var silo = SiloAddress.FromParsableString(m.SiloAddress);
                return SiloAddress.New(new IPEndPoint(silo.Endpoint.Address, m.ProxyPort), silo.Generation).ToGatewayUri();
            })
            .ToList();
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();

    [LoggerMessage(1, LogLevel.Warning, "NATS gateway list: bucket {Bucket} does not exist yet on {Url}; no silo has started with NATS clustering")]
    private static partial void LogNoBucket(ILogger logger, string bucket, string url);
}
