using Microsoft.Extensions.Logging;
using OamOrleans.Nats;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace OamOrleans.Clustering.Nats;

/// <summary>
/// Orleans membership table on NATS JetStream KV. One key per cluster holds the whole table (see
/// <see cref="NatsClusteringOptions"/>); each operation reads the document, checks the Orleans preconditions (table
/// version etag, row etag, row presence) and writes it back with a compare-and-set on the KV revision, retrying when the
/// CAS lost to an unrelated change (typically another silo's heartbeat) and the preconditions still hold.
/// </summary>
internal sealed partial class NatsMembershipTable : IMembershipTable, IAsyncDisposable
{
    private const int MaxCasAttempts = 64;

    private readonly NatsMembershipStore _store;
    private readonly string _clusterId;
    private readonly ILogger<NatsMembershipTable> _logger;

    public NatsMembershipTable(IOptions<NatsClusteringOptions> options, IOptions<ClusterOptions> clusterOptions, ILogger<NatsMembershipTable> logger)
    {
        _store = new NatsMembershipStore(options.Value, "orleans-membership");
        _clusterId = clusterOptions.Value.ClusterId;
        _logger = logger;
    }

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        try
        {
            await _store.InitializeAsync(create: true, CancellationToken.None).ConfigureAwait(false);
            if (tryInitTableVersion)
            {
                await WhileElectingAsync(async () =>
                {
                    var (document, _) = await _store.ReadAsync(_clusterId, CancellationToken.None).ConfigureAwait(false);
                    if (document is null)
                    {
                        // Losing this race to another silo is fine: the table exists either way.
                        await _store.TryWriteAsync(_clusterId, MembershipDocument.Empty(), 0, CancellationToken.None).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            }

            LogInitialized(_logger, _clusterId, _store.Bucket, NatsUrlRedaction.Redact(_store.Url), _store.ServerVersion ?? "?");
            if (_store.Shortfall is { } shortfall)
            {
                LogReplicas(_logger, shortfall.Bucket, shortfall.Has, shortfall.Wants, shortfall.Outcome);
            }
        }
        catch (Exception ex) when (ex is not OrleansException)
        {
            throw new OrleansException(
                $"NATS membership table for cluster '{_clusterId}' could not open KV bucket '{_store.Bucket}' on {NatsUrlRedaction.Redact(_store.Url)}: {NatsUrlRedaction.Redact(ex.Message)} "
                + "(the server must run with JetStream enabled: nats-server -js).",
                ex);
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> again while NATS does not answer it, for up to <see cref="ElectionGrace"/>: a
    /// replicated bucket just created (or whose leader was lost) answers only once its replicas have elected a leader.
    /// </summary>
    private async Task WhileElectingAsync(Func<Task> operation)
    {
        var deadline = DateTime.UtcNow + ElectionGrace;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await operation().ConfigureAwait(false);
                return;
            }
            catch (NATS.Client.Core.NatsException e) when (DateTime.UtcNow < deadline)
            {
                LogWaitingForLeader(_logger, _store.Bucket, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 100 * attempt))).ConfigureAwait(false);
            }
        }
    }

    /// <summary>How long a start waits for a replicated bucket's leader election (JetStream takes a few seconds).</summary>
    private static readonly TimeSpan ElectionGrace = TimeSpan.FromSeconds(30);

    public Task DeleteMembershipTableEntries(string clusterId) => _store.DeleteAsync(clusterId, CancellationToken.None);

    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken)
    {
        var (document, _) = await _store.ReadAsync(_clusterId, cancellationToken).ConfigureAwait(false);
        document ??= MembershipDocument.Empty();
        return new MembershipTableData(document.Members.Select(r => Tuple.Create(r.ToEntry(), r.Etag)).ToList(), document.TableVersion);
    }

    public async Task<MembershipTableData> ReadRow(SiloAddress key)
    {
        var (document, _) = await _store.ReadAsync(_clusterId, CancellationToken.None).ConfigureAwait(false);
        document ??= MembershipDocument.Empty();
        var row = document.Find(key);
        return row is null
            ? new MembershipTableData(document.TableVersion)
            : new MembershipTableData(Tuple.Create(row.ToEntry(), row.Etag), document.TableVersion);
    }

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) =>
        ChangeAsync(nameof(InsertRow), entry.SiloAddress, document =>
        {
            if (document.VersionEtag != tableVersion.VersionEtag || document.Find(entry.SiloAddress) is not null)
            {
                return false;
            }

            document.Members.Add(MembershipRow.From(entry, MembershipDocument.NewEtag()));
            document.Version = tableVersion.Version;
            document.VersionEtag = MembershipDocument.NewEtag();
            return true;
        });

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) =>
        ChangeAsync(nameof(UpdateRow), entry.SiloAddress, document =>
        {
            var index = document.Members.FindIndex(m => m.SiloAddress == entry.SiloAddress.ToParsableString());
            if (document.VersionEtag != tableVersion.VersionEtag || index < 0 || document.Members[index].Etag != etag)
            {
                return false;
            }

            document.Members[index] = MembershipRow.From(entry, MembershipDocument.NewEtag());
            document.Version = tableVersion.Version;
            document.VersionEtag = MembershipDocument.NewEtag();
            return true;
        });

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        var found = await ChangeAsync(nameof(UpdateIAmAlive), entry.SiloAddress, document =>
        {
            var row = document.Find(entry.SiloAddress);
            if (row is null)
            {
                return false;
            }

            // A dirty write of one column: neither the row etag nor the table version changes.
            row.IAmAliveTime = entry.IAmAliveTime;
            return true;
        }).ConfigureAwait(false);
        if (!found)
        {
            throw new OrleansException($"NATS membership table of cluster '{_clusterId}' has no row for silo {entry.SiloAddress} to update I-am-alive.");
        }
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        var removed = 0;
        await ChangeAsync(nameof(CleanupDefunctSiloEntries), null, document =>
        {
            removed = document.Members.RemoveAll(m =>
                m.Status == SiloStatus.Dead
                && (m.IAmAliveTime > m.StartTime ? m.IAmAliveTime : m.StartTime) < beforeDate.UtcDateTime
                && m.SuspectTimes?.Any(v => v.Time >= beforeDate.UtcDateTime) != true);
            return removed > 0;
        }).ConfigureAwait(false);
        if (removed > 0)
        {
            LogCleanup(_logger, removed, _clusterId, beforeDate);
        }
    }

    /// <summary>
    /// Read–check–CAS loop. <paramref name="change"/> mutates the document and returns true, or returns false when an
    /// Orleans precondition fails (then nothing is written and the result is false).
    /// </summary>
    private async Task<bool> ChangeAsync(string operation, SiloAddress? silo, Func<MembershipDocument, bool> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (document, revision) = await _store.ReadAsync(_clusterId, CancellationToken.None).ConfigureAwait(false);
            document ??= MembershipDocument.Empty();
            if (!change(document))
            {
                return false;
            }

            if (await _store.TryWriteAsync(_clusterId, document, revision, CancellationToken.None).ConfigureAwait(false))
            {
                return true;
            }

            if (attempt >= MaxCasAttempts)
            {
                throw new OrleansException(
                    $"NATS membership table of cluster '{_clusterId}': {operation} lost the compare-and-set {attempt} times in a row; giving up.");
            }

            LogCasRetry(_logger, operation, silo?.ToString() ?? "-", attempt);
            await Task.Delay(Random.Shared.Next(1, 5 + Math.Min(attempt, 20) * 5)).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();

    [LoggerMessage(1, LogLevel.Information, "NATS membership table for cluster {ClusterId} ready: bucket {Bucket} on {Url} (server {ServerVersion})")]
    private static partial void LogInitialized(ILogger logger, string clusterId, string bucket, string url, string serverVersion);

    [LoggerMessage(4, LogLevel.Information, "NATS membership: bucket {Bucket} did not answer yet (attempt {Attempt}: {Error}); a replicated bucket answers once its leader is elected")]
    private static partial void LogWaitingForLeader(ILogger logger, string bucket, int attempt, string error);

    [LoggerMessage(3, LogLevel.Warning, "NATS membership: bucket {Bucket} has {Has} replica(s), {Wants} configured: {Action}")]
    private static partial void LogReplicas(ILogger logger, string bucket, int has, int wants, string action);

    [LoggerMessage(2, LogLevel.Debug, "NATS membership {Operation} for silo {Silo} lost the compare-and-set (attempt {Attempt}); retrying")]
    private static partial void LogCasRetry(ILogger logger, string operation, string silo, int attempt);

    [LoggerMessage(3, LogLevel.Information, "Removed {Count} defunct silo rows from the membership table of cluster {ClusterId} (dead before {BeforeDate})")]
    private static partial void LogCleanup(ILogger logger, int count, string clusterId, DateTimeOffset beforeDate);
}
