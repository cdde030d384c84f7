using System.Diagnostics;
using System.Threading.Channels;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

public sealed partial class MeshClient
{
    private readonly CancellationTokenSource _lifetime = new();
    private readonly HashSet<Task> _pendingSends = [];

    /// <summary>
    /// Sends a request without waiting for the answer (protocol §5.2) and returns its request id. See
    /// <see cref="SendOptions"/> for the three modes: fire-and-forget (default), managed callbacks on
    /// <c>mesh.results.{request_id}</c>, or a manual reply subject. The method returns once the request is published
    /// (managed mode: once the results subscription is in place, before publishing); callbacks run later on the thread pool.
    /// </summary>
    /// <remarks>
    /// Managed mode ends after one plain reply, after the end frame of a sequenced reply, on the first error reply, or
    /// when nothing arrives within the inactivity timeout (then <see cref="SendOptions.OnError"/> gets a
    /// <see cref="MeshTimeoutException"/>). An exception thrown by a callback ends the send and is logged (warning).
    /// Disposing the client ends pending sends silently. <paramref name="cancellationToken"/> covers publishing only. Like
    /// the reference, send does not watch death notices.
    /// </remarks>
    /// <exception cref="ArgumentException">Invalid agent name, invalid <see cref="SendOptions.ReplyTo"/>, or
    /// <see cref="SendOptions.ReplyTo"/> together with callbacks.</exception>
    /// <exception cref="InvocationMismatchException">The catalog says the agent is a publisher or a background task (nothing is sent).</exception>
    /// <exception cref="ConnectionFailedException">Not connected.</exception>
    public async ValueTask<string> SendAsync(string agent, object? payload = null, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        ThrowIfDisposed();
        await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        var managed = options?.OnReply is not null || options?.OnError is not null;
        var replyTo = options?.ReplyTo;
        if (replyTo is not null)
        {
            if (managed)
            {
                throw new ArgumentException("ReplyTo and OnReply/OnError are mutually exclusive: pass a reply subject or callbacks, not both.", nameof(options));
            }

            MeshSubjectRules.Validate(replyTo, nameof(options), allowWildcards: false);
        }

        CallPreflight.Check(agent, MeshVerb.Send, CachedEntry(agent));
        var requestId = MeshIds.New();
        using var activity = MeshDiagnostics.StartRequest("send", ActivityKind.Producer, agent, MeshSubjects.Agent(agent), requestId, options?.ConversationId);
        try
        {
            return await SendCoreAsync(agent, requestId, payload, options, managed, replyTo, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (MeshDiagnostics.FailAndPass(activity, e))
        {
            throw;
        }
    }

    private async ValueTask<string> SendCoreAsync(string agent, string requestId, object? payload, SendOptions? options, bool managed, string? replyTo, CancellationToken cancellationToken)
    {
        ThrowIfReconnecting(agent, requestId);
        var body = SerializePayload(payload, JsonOptionsFor(options?.JsonOptions));
        var headers = BuildHeaders(requestId, options?.ConversationId, options?.Headers);
        var subject = MeshSubjects.Agent(agent);
        if (replyTo is not null)
        {
            headers[MeshHeaders.ReplyTo] = replyTo;
        }

        if (!managed)
        {
            await Guard(agent, requestId, () => Connection.PublishAsync(subject, body, headers, replyTo, RequestSerializer, cancellationToken: cancellationToken), cancellationToken)
                .ConfigureAwait(false);
            return requestId;
        }

        var results = MeshSubjects.Results(requestId);
        // A denied publish or results subscription reaches OnError as connection_denied at once, not at the inactivity timeout.
        var publishDenial = _permissions.Watch(subject, subscription: false, _lifetime.Token);
        var subscribeDenial = _permissions.Watch(results, subscription: true, _lifetime.Token);
        var sub = await Guard(agent, requestId, () => Connection.SubscribeCoreAsync(results, serializer: ReplySerializer, cancellationToken: _lifetime.Token), cancellationToken)
            .ConfigureAwait(false);
        try
        {
            await Guard(agent, requestId, () => Connection.PublishAsync(subject, body, headers, results, RequestSerializer, cancellationToken: cancellationToken), cancellationToken)
                .ConfigureAwait(false);
        }
        catch
        {
            await sub.DisposeAsync().ConfigureAwait(false);
            publishDenial.Dispose();
            subscribeDenial.Dispose();
            throw;
        }

        var task = Task.Run(
            async () =>
            {
                using (publishDenial)
                using (subscribeDenial)
                {
                    await AwaitResultsAsync(sub, agent, requestId, options!, options!.Timeout ?? _options.SendTimeout, publishDenial, subscribeDenial).ConfigureAwait(false);
                }
            },
            CancellationToken.None);
        lock (_pendingSends)
        {
            _pendingSends.Add(task);
        }

        _ = task.ContinueWith(
            t =>
            {
                lock (_pendingSends)
                {
                    _pendingSends.Remove(t);
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return requestId;
    }

    private async Task AwaitResultsAsync(
        INatsSub<byte[]> sub, string agent, string requestId, SendOptions options, TimeSpan timeout, PermissionWatch.Registration publishDenial, PermissionWatch.Registration subscribeDenial)
    {
        try
        {
            while (true)
            {
                NatsMsg<byte[]> msg;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(publishDenial.Token, subscribeDenial.Token))
                {
                    idle.CancelAfter(timeout);
                    try
                    {
                        msg = await sub.Msgs.ReadAsync(idle.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!_lifetime.IsCancellationRequested && (publishDenial.IsDenied || subscribeDenial.IsDenied))
                    {
                        await InvokeAsync(options.OnError, (publishDenial.IsDenied ? publishDenial : subscribeDenial).Denied(agent, requestId), agent, requestId).ConfigureAwait(false);
                        return;
                    }
                    catch (OperationCanceledException) when (!_lifetime.IsCancellationRequested)
                    {
                        await InvokeAsync(options.OnError, new MeshTimeoutException(sub.Subject, timeout, agent, requestId), agent, requestId).ConfigureAwait(false);
                        return;
                    }
                    catch (Exception) when (_lifetime.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (ChannelClosedException)
                    {
                        return;
                    }
                }

                var reply = MeshFrame.Reply(msg, requestId);
                if (reply.IsError)
                {
                    await InvokeAsync(options.OnError, MeshException.FromErrorReply(reply.Body.Span, agent, requestId), agent, requestId).ConfigureAwait(false);
                    return;
                }

                var sequenced = reply.Headers.ContainsKey(MeshHeaders.StreamSeq);
                var end = reply.IsEnd;
                if (!(end && reply.Body.IsEmpty) && !await InvokeAsync(options.OnReply, reply, agent, requestId).ConfigureAwait(false))
                {
                    return;
                }

                if (!sequenced || end)
                {
                    // One plain reply, or frames up to End (the TypeScript behaviour; no spurious timeout afterwards).
                    return;
                }
            }
        }
        finally
        {
            await sub.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs a send callback; false (and a warning) when it threw, which ends the send.</summary>
    private async ValueTask<bool> InvokeAsync<T>(Func<T, ValueTask>? callback, T value, string agent, string requestId)
    {
        if (callback is null)
        {
            return true;
        }

        try
        {
            await callback(value).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            LogSendCallbackFailed(_logger, agent, requestId, e);
            return false;
        }
    }
}
