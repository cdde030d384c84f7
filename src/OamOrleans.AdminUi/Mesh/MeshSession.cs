using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using OamOrleans.Client;

namespace OamOrleans.AdminUi.Mesh;

/// <summary>What the connection badge shows.</summary>
internal enum ConnectionStatus
{
    Connecting,
    Connected,
    Error,
}

/// <summary>
/// The UI's one mesh connection, opened in the background with the CLI's URL and creds resolution and retried until it
/// works. Pages wait for it with <see cref="ClientAsync"/>; the browser never sees the URL or the creds.
/// </summary>
internal sealed partial class MeshSession : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private readonly TaskCompletionSource<MeshClient> _client = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger<MeshSession> _logger;
    private readonly MeshEndpoint _endpoint;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _gate = new();
    private Task? _connecting;

    public MeshSession(IOptions<AdminUiOptions> options, ILoggerFactory loggerFactory)
    {
        _endpoint = options.Value.Endpoint ?? MeshEndpoint.Resolve();
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<MeshSession>();
    }

    /// <summary>The mesh URL without its password, for display.</summary>
    public string DisplayUrl => Credentials().Replace(_endpoint.Url, "$1***@");

    /// <summary>The last connection failure while <see cref="Status"/> is <see cref="ConnectionStatus.Error"/>.</summary>
    public string? LastError { get; private set; }

    public ConnectionStatus Status => _client.Task.IsCompletedSuccessfully
        ? _client.Task.Result.Connection.ConnectionState == NatsConnectionState.Open ? ConnectionStatus.Connected : ConnectionStatus.Connecting
        : LastError is null ? ConnectionStatus.Connecting : ConnectionStatus.Error;

    /// <summary>Starts connecting (once); later calls do nothing.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _connecting ??= Task.Run(ConnectLoopAsync);
        }
    }

    /// <summary>The connected client; waits for the first successful connection.</summary>
    public Task<MeshClient> ClientAsync(CancellationToken cancellationToken)
    {
        Start();
        return _client.Task.WaitAsync(cancellationToken);
    }

    private async Task ConnectLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var client = await MeshClient.ConnectAsync(options: new MeshClientOptions
                {
                    Endpoint = _endpoint,
                    ConnectionName = "oam-admin-ui",
                    LoggerFactory = _loggerFactory,
                    // Read-mostly: an observer's creds may not create buckets; a missing bucket shows as empty.
                    EnsureBuckets = false,
                    // The sandbox shows what the mesh answers now (a closed gate's not_available with its hint), not
                    // what it answers after retrying until the deadline.
                    Retry = MeshRetryOptions.None,
                }, cancellationToken: _stopping.Token);
                LastError = null;
                _client.TrySetResult(client);
                LogConnected(_logger, DisplayUrl);
                return;
            }
            catch (Exception e) when (e is MeshException or MeshUnavailableException or NatsException or IOException)
            {
                LastError = e.Message;
                LogConnectFailed(_logger, DisplayUrl, e.Message);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(RetryDelay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_client.Task.IsCompletedSuccessfully)
        {
            await _client.Task.Result.DisposeAsync();
        }

        _stopping.Dispose();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s,]+@")]
    private static partial System.Text.RegularExpressions.Regex Credentials();

    [LoggerMessage(1, LogLevel.Information, "Admin UI connected to the mesh at {Url}")]
    private static partial void LogConnected(ILogger logger, string url);

    [LoggerMessage(2, LogLevel.Warning, "Admin UI cannot reach the mesh at {Url}: {Error} (retrying)")]
    private static partial void LogConnectFailed(ILogger logger, string url, string error);
}
