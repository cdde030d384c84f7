using System.Diagnostics;
using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;
using Polly;

namespace OamOrleans.Client;

public sealed partial class MeshClient
{
    /// <summary>
    /// Calls <paramref name="agent"/> with <paramref name="payload"/> serialized as JSON (null sends an empty body;
    /// <c>byte[]</c> and <c>ReadOnlyMemory&lt;byte&gt;</c> are sent unchanged) and deserializes the reply
    /// (an empty reply reads as <c>{}</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The agent name breaks the naming rule.</exception>
    /// <exception cref="MeshException">The agent answered with an error, or the call failed (a subclass per code).</exception>
    public async ValueTask<TOut> CallAsync<TOut>(string agent, object? payload = null, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var json = JsonOptionsFor(options?.JsonOptions);
        var body = SerializePayload(payload, json);
        var reply = await CallRawAsync(agent, body, options, cancellationToken).ConfigureAwait(false);
        return reply.Deserialize<TOut>(json)!;
    }

    /// <summary>
    /// Calls <paramref name="agent"/> with a raw body and returns the raw successful reply (body and headers).
    /// Request headers: <c>X-Mesh-Request-Id</c> (fresh), <c>X-Mesh-Instance-Id</c>, and
    /// <c>X-Mesh-Conversation-Id</c> when <see cref="CallOptions.ConversationId"/> is set.
    /// </summary>
    /// <exception cref="ArgumentException">The agent name breaks the naming rule.</exception>
    /// <exception cref="MeshException">
    /// <see cref="InvocationMismatchException"/> before sending when the catalog says the agent is a publisher, a background
    /// task or streaming-only; an error reply (typed by code, <see cref="MeshException.RequestId"/> = this call's id); <see cref="NotFoundException"/> or
    /// <see cref="NotAvailableException"/> when nobody serves the subject; <see cref="MeshTimeoutException"/>;
    /// <see cref="AgentDiedException"/> when a death notice for the agent arrives first; <see cref="ConnectionFailedException"/>.
    /// </exception>
    public async ValueTask<MeshFrame> CallRawAsync(string agent, ReadOnlyMemory<byte> body, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        ThrowIfDisposed();
        await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        CallPreflight.Check(agent, MeshVerb.Call, CachedEntry(agent));
        var requestId = MeshIds.New();
        var subject = MeshSubjects.Agent(agent);
        using var activity = MeshDiagnostics.StartRequest("call", ActivityKind.Client, agent, subject, requestId, options?.ConversationId);
        try
        {
            return await CallCoreAsync(agent, subject, requestId, body, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (MeshDiagnostics.FailAndPass(activity, e))
        {
            throw;
        }
    }

    private async ValueTask<MeshFrame> CallCoreAsync(string agent, string subject, string requestId, ReadOnlyMemory<byte> body, CallOptions? options, CancellationToken cancellationToken)
    {
        var timeout = options?.Timeout ?? _options.CallTimeout;
        var retry = options?.Retry ?? _options.Retry;
        if (options?.Retry is not null)
        {
            MeshClientOptionsValidator.ThrowIfInvalidRetry(retry);
        }

        if (!retry.Enabled)
        {
            ThrowIfReconnecting(agent, requestId); // one attempt, as the reference makes: it would only wait out its deadline
        }

        var headers = BuildHeaders(requestId, options?.ConversationId, options?.Headers, timeout);
        NatsMsg<byte[]> msg;
        DeathWatches.Lease? death = null;
        using var denial = _permissions.Watch(subject, subscription: false, cancellationToken);
        try
        {
            // Best effort: a subscription opened while reconnecting would wait for the connection, past any deadline.
            if (_options.DeathFastFail && Connection.ConnectionState == NatsConnectionState.Open)
            {
                death = await _deaths.JoinAsync(agent, cancellationToken).ConfigureAwait(false);
            }

            msg = await RequestAsync(agent, subject, body, headers, timeout, requestId, retry, death, denial.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (denial.IsDenied && !cancellationToken.IsCancellationRequested)
        {
            // The server refused the publish (-ERR Permissions Violation): say so now rather than time out.
            throw denial.Denied(agent, requestId);
        }
        catch (Exception e) when (e is NatsConnectionFailedException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            throw new ConnectionFailedException($"Not connected to the mesh: {e.Message}", agent, requestId, innerException: e);
        }
        finally
        {
            death?.Dispose();
        }

        var reply = MeshFrame.Reply(msg, requestId);
        if (reply.IsError)
        {
            throw MeshException.FromErrorReply(reply.Body.Span, agent, requestId);
        }

        return reply;
    }

    /// <summary>
    /// Request headers: <c>X-Mesh-Request-Id</c>, <c>X-Mesh-Instance-Id</c>, optional <c>X-Mesh-Conversation-Id</c>, the
    /// caller's deadline as <c>X-Mesh-Timeout</c> (so an OamOrleans host cancels the handler when the caller gives up), the
    /// current span's <c>traceparent</c>/<c>tracestate</c>, then the caller's extra headers (they win, except over the
    /// request id, which is always this request's own).
    /// </summary>
    private NatsHeaders BuildHeaders(string requestId, string? conversationId, IReadOnlyDictionary<string, string>? extra, TimeSpan? timeout = null)
    {
        var headers = new NatsHeaders
        {
            [MeshHeaders.RequestId] = requestId,
            [MeshHeaders.InstanceId] = InstanceId,
        };
        if (conversationId is { Length: > 0 } conversation)
        {
            headers[MeshHeaders.ConversationId] = conversation;
        }

        if (timeout is { } deadline && deadline > TimeSpan.Zero && deadline != Timeout.InfiniteTimeSpan)
        {
            headers[MeshHeaders.Timeout] = deadline.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        }

        MeshDiagnostics.Inject(headers);
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (!string.Equals(key, MeshHeaders.RequestId, StringComparison.OrdinalIgnoreCase))
                {
                    headers[key] = value;
                }
            }
        }

        return headers;
    }

    private async ValueTask<NatsMsg<byte[]>> RequestAsync(
        string agent, string subject, ReadOnlyMemory<byte> body, NatsHeaders headers, TimeSpan timeout, string requestId, MeshRetryOptions retry, DeathWatches.Lease? death, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        CallReplies.PendingCall call;
        try
        {
            call = await _replies.StartAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new ConnectionFailedException($"Not connected to the mesh (reconnecting to {MeshConnectWait.Redact(Connection.Opts.Url)}) within the call's {timeout.TotalSeconds:0.###} s", agent, requestId);
        }

        using var pending = call;
        var attempts = new CallAttempts(this, agent, subject, requestId, body, headers, call, timeout);

        // Retries off: the one attempt runs on the call's deadline itself, with no Polly context to rent and return.
        var once = retry.Enabled
            ? RetryPipeline(retry).ExecuteAsync(static (attempts, token) => attempts.OnceAsync(token), attempts, deadline.Token)
            : attempts.OnceAsync(deadline.Token);
        try
        {
            if (death is null)
            {
                return await once.ConfigureAwait(false);
            }

            var request = once.AsTask();
            var notice = death.Notice.WaitAsync(deadline.Token);
            var first = await Task.WhenAny(request, notice).ConfigureAwait(false);
            if (first == notice && notice.IsCompletedSuccessfully)
            {
                await deadline.CancelAsync().ConfigureAwait(false);
                ObserveFault(request);
                throw Died(agent, requestId, notice.Result, "the call");
            }

            try
            {
                // The reply came first: the request decides.
                return await request.ConfigureAwait(false);
            }
            finally
            {
                await deadline.CancelAsync().ConfigureAwait(false);
                ObserveFault(notice);
            }
        }
        catch (RetryableCallException e)
        {
            throw e.Failure; // retries off or used up: the last attempt's failure
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw attempts.DeadlineFailure();
        }
    }

    /// <summary>
    /// The Polly pipeline of <paramref name="retry"/> (retries on): built once for the client's options, cached per
    /// per-call options.
    /// </summary>
    private ResiliencePipeline RetryPipeline(MeshRetryOptions retry) =>
        ReferenceEquals(retry, _options.Retry) && _retryPipeline is { } own ? own : CallRetryPipelines.GetValue(retry, CallAttempts.Pipeline);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MeshRetryOptions, ResiliencePipeline> CallRetryPipelines = [];

    /// <summary>Whether the catalog lists <paramref name="agent"/> (a missing responder is then a passing absence).</summary>
    internal bool KnowsAgent(string agent) => _catalog.Contains(agent);

    /// <summary>Counts and logs a retry of a call: the <c>oam.client.call.retries</c> metric and an Information log line.</summary>
    internal void RecordRetry(string agent, string requestId, int attempt, MeshException? reason)
    {
        var code = reason?.Code ?? MeshErrorCodes.Timeout;
        if (ClientMetrics.CallRetries.Enabled)
        {
            ClientMetrics.CallRetries.Add(1, new KeyValuePair<string, object?>(MeshTags.Agent, agent), new KeyValuePair<string, object?>("error.type", code));
        }

        LogCallRetry(_logger, agent, requestId, attempt, code, reason?.Message ?? "no reply");
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Call {RequestId} to {Agent}: attempt {Attempt}, same request id, after {Code}: {Reason}")]
    private static partial void LogCallRetry(Microsoft.Extensions.Logging.ILogger logger, string agent, string requestId, int attempt, string code, string reason);
}
