using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using OamOrleans.Protocol;
using OamOrleans.Nats;

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
    /// <see cref="MeshTimeoutException"/>). Exceptions thrown by a callback end the send and are swallowed. Disposing the
    /// client ends pending sends silently. <paramref name="cancellationToken"/> covers publishing only. Like the reference,
    /// send does not watch death notices.
    /// </remarks>
    /// <exception cref="ArgumentException">Invalid agent name, invalid <see cref="SendOptions.ReplyTo"/>, or
    /// <see cref="SendOptions.ReplyTo"/> together with callbacks.</exception>
    /// <exception cref="InvocationMismatchException">The catalog says the agent is a publisher or a background task (nothing is sent).</exception>
    /// <exception cref="ConnectionFailedException">Not connected.</exception>
    public async ValueTask<string> SendAsync(string agent, object? payload = null, SendOptions? options = null, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var managed = options?.OnReply is not null || options?.OnError is not null;
        var replyTo = options?.ReplyTo;
        if (replyTo is not null)
        {
            if (managed)
            {
                throw new ArgumentException("ReplyTo and OnReply/OnError are mutually exclusive: pass a reply subject or callbacks, not both.", nameof(options));
            }

            ValidateSubject(replyTo, nameof(options), allowWildcards: false);
        }

        Preflight(agent, Verb.Send);
        var requestId = MeshIds.New();
        ThrowIfReconnecting(agent, requestId);
        var json = options?.JsonOptions ?? _options.JsonOptions ?? MeshJson.Options;
        var body = SerializePayload(payload, json);
        var headers = BuildHeaders(requestId, options?.ConversationId, options?.Headers);
        var subject = MeshSubjects.Agent(agent);
        if (replyTo is not null)
        {
            headers[MeshHeaders.ReplyTo] = replyTo;
        }

        if (!managed)
        {
            await Guard(agent, requestId, async () =>
            {
                await Connection.PublishAsync(subject, body, headers, replyTo, RequestSerializer, cancellationToken: cancellationToken);
                return true;
            }, cancellationToken);
            return requestId;
        }

        var results = MeshSubjects.Results(requestId);
        var sub = await Guard(agent, requestId, () => Connection.SubscribeCoreAsync(results, serializer: ReplySerializer, cancellationToken: _lifetime.Token), cancellationToken);
        try
        {
            await Guard(agent, requestId, async () =>
            {
                await Connection.PublishAsync(subject, body, headers, results, RequestSerializer, cancellationToken: cancellationToken);
                return true;
            }, cancellationToken);
        }
        catch
        {
            await sub.DisposeAsync();
            throw;
        }

        var task = Task.Run(() => AwaitResultsAsync(sub, agent, requestId, options!, options!.Timeout ?? _options.SendTimeout), CancellationToken.None);
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

    private async Task AwaitResultsAsync(INatsSub<byte[]> sub, string agent, string requestId, SendOptions options, TimeSpan timeout)
    {
        try
        {
            while (true)
            {
                NatsMsg<byte[]> msg;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token))
                {
                    idle.CancelAfter(timeout);
                    try
                    {
                        msg = await sub.Msgs.ReadAsync(idle.Token);
                    }
                    catch (OperationCanceledException) when (!_lifetime.IsCancellationRequested)
                    {
                        await InvokeAsync(options.OnError, new MeshTimeoutException(sub.Subject, timeout, agent, requestId));
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

                var headers = msg.Headers ?? [];
                var bodyBytes = msg.Data ?? [];
                if (headers.TryGetValue(MeshHeaders.Status, out var status) && status.ToString() == MeshHeaders.StatusError)
                {
                    var envelope = ErrorEnvelope.Parse(bodyBytes);
                    await InvokeAsync(options.OnError, MeshException.FromEnvelope(envelope with
                    {
                        Agent = envelope.Agent.Length == 0 ? agent : envelope.Agent,
                        RequestId = requestId,
                    }));
                    return;
                }

                var sequenced = headers.ContainsKey(MeshHeaders.StreamSeq);
                var end = headers.TryGetValue(MeshHeaders.StreamEnd, out var e) && e.ToString() == MeshHeaders.True;
                if (!(end && bodyBytes.Length == 0) && !await InvokeAsync(options.OnReply, new MeshReply(requestId, bodyBytes, headers)))
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
            await sub.DisposeAsync();
        }
    }

    private static async ValueTask<bool> InvokeAsync<T>(Func<T, ValueTask>? callback, T value)
    {
        if (callback is null)
        {
            return true;
        }

        try
        {
            await callback(value);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Follows events, typed: a publisher's (<paramref name="agent"/>: <c>mesh.agent.{agent}.events</c>), a channel's
    /// (<paramref name="channel"/>: <c>mesh.agent.{channel}.&gt;</c>, which also matches raw requests to the channel's agents),
    /// or any subject (<paramref name="subject"/>, wildcards allowed). Each message with a non-empty body is deserialized and
    /// yielded; an end frame (<c>X-Mesh-Stream-End: true</c>) ends the loop after yielding its body if it has one; an error
    /// frame raises its typed error. Sequence numbers are not checked. Nothing is subscribed until enumeration starts.
    /// </summary>
    /// <param name="agent">A publisher agent; exclusive with <paramref name="subject"/> and <paramref name="channel"/>.</param>
    /// <param name="channel">A channel (leading name segments).</param>
    /// <param name="subject">A raw NATS subject.</param>
    /// <param name="timeout">Optional inactivity timeout: no message within it raises <see cref="MeshTimeoutException"/>.</param>
    /// <param name="jsonOptions">JSON settings for the events; the client's when null.</param>
    /// <param name="cancellationToken">Stops the subscription (the loop ends with <see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ArgumentException">Not exactly one of agent, channel or subject, or an invalid one (thrown here).</exception>
    /// <exception cref="MeshException">
    /// During enumeration: <see cref="NotFoundException"/> for an agent neither in the catalog cache nor in the registry;
    /// <see cref="InvocationMismatchException"/> when the agent is a responder, a streamer or a background task;
    /// the typed error of an error frame (a missing code reads as <c>handler_error</c>); <see cref="MeshTimeoutException"/>.
    /// </exception>
    public IAsyncEnumerable<T> SubscribeAsync<T>(string? agent = null, string? channel = null, string? subject = null, TimeSpan? timeout = null,
        JsonSerializerOptions? jsonOptions = null, CancellationToken cancellationToken = default)
    {
        var raw = SubscribeRawAsync(agent, channel, subject, timeout, cancellationToken);
        var json = jsonOptions ?? _options.JsonOptions ?? MeshJson.Options;
        return Typed(raw, json);

        static async IAsyncEnumerable<T> Typed(IAsyncEnumerable<MeshFrame> frames, JsonSerializerOptions json, [EnumeratorCancellation] CancellationToken ct = default)
        {
            await foreach (var frame in frames.WithCancellation(ct))
            {
                yield return frame.Deserialize<T>(json)!;
            }
        }
    }

    /// <summary>Like <see cref="SubscribeAsync{T}"/>, yielding the raw frames (subject, body, headers, reply subject).</summary>
    /// <inheritdoc cref="SubscribeAsync{T}" path="/param"/>
    /// <inheritdoc cref="SubscribeAsync{T}" path="/exception"/>
    public IAsyncEnumerable<MeshFrame> SubscribeRawAsync(string? agent = null, string? channel = null, string? subject = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        if (agent is not null && subject is not null)
        {
            throw new ArgumentException("agent and subject are mutually exclusive: pass one of agent, channel or subject.", nameof(subject));
        }

        var given = (agent is null ? 0 : 1) + (channel is null ? 0 : 1) + (subject is null ? 0 : 1);
        if (given != 1)
        {
            throw new ArgumentException(given == 0
                ? "One of agent, channel or subject is required."
                : "agent and channel are mutually exclusive: pass one of agent, channel or subject.", nameof(agent));
        }

        if (agent is not null)
        {
            AgentName.Validate(agent, nameof(agent));
        }
        else if (channel is not null)
        {
            if (!AgentName.IsValid(channel))
            {
                throw new ArgumentException($"Invalid channel '{channel}': dot-separated segments of [a-zA-Z0-9_-]", nameof(channel));
            }
        }
        else
        {
            ValidateSubject(subject!, nameof(subject), allowWildcards: true);
        }

        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "The inactivity timeout must be positive.");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var target = agent is not null ? MeshSubjects.Events(agent) : channel is not null ? MeshSubjects.ChannelWildcard(channel) : subject!;
        return RunSubscribeAsync(agent, target, timeout, cancellationToken);
    }

    private async IAsyncEnumerable<MeshFrame> RunSubscribeAsync(string? agent, string target, TimeSpan? timeout, [EnumeratorCancellation] CancellationToken ct)
    {
        if (agent is not null)
        {
            await ResolveEventSourceAsync(agent, ct);
        }

        var sub = await Guard(agent ?? "", "", () => Connection.SubscribeCoreAsync(target, serializer: ReplySerializer, cancellationToken: ct), ct);
        try
        {
            while (true)
            {
                var (msg, error) = await NextEventAsync(sub, timeout, agent ?? "", target, ct);
                if (error is not null)
                {
                    throw error;
                }

                var frame = MeshFrame.From(msg);
                if (frame.IsError)
                {
                    var envelope = ErrorEnvelope.Parse(frame.Body.Span, MeshErrorCodes.HandlerError);
                    throw MeshException.FromEnvelope(envelope with { Agent = envelope.Agent.Length == 0 && agent is not null ? agent : envelope.Agent });
                }

                if (!frame.Body.IsEmpty)
                {
                    yield return frame;
                }

                if (frame.IsEnd)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await sub.DisposeAsync();
        }
    }

    private static async ValueTask<(NatsMsg<byte[]> Msg, MeshException? Error)> NextEventAsync(INatsSub<byte[]> sub, TimeSpan? timeout, string agent, string target, CancellationToken ct)
    {
        if (sub.Msgs.TryRead(out var ready))
        {
            return (ready, null);
        }

        try
        {
            if (timeout is not { } t)
            {
                return (await sub.Msgs.ReadAsync(ct), null);
            }

            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(t);
            return (await sub.Msgs.ReadAsync(idle.Token), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (default, new MeshTimeoutException(target, timeout!.Value, agent));
        }
        catch (ChannelClosedException e)
        {
            return (default, new ConnectionFailedException($"The subscription to {target} closed: {e.Message}", agent, innerException: e));
        }
    }

    /// <summary>subscribe(agent=): the agent must be in the catalog cache or the registry, and must be a publisher when its shape is known.</summary>
    private async ValueTask ResolveEventSourceAsync(string agent, CancellationToken ct)
    {
        if (CachedEntry(agent) is not null)
        {
            Preflight(agent, Verb.Subscribe);
            return;
        }

        byte[]? value;
        try
        {
            value = (await _registry.GetEntryAsync(agent, serializer: ReplySerializer, cancellationToken: ct)).Value;
        }
        catch (Exception e) when (NatsKVReads.IsMissingKey(e))
        {
            value = null;
        }

        if (value is null || value.Length == 0)
        {
            throw new NotFoundException($"Agent '{agent}' not found", agent);
        }

        AgentContract? contract = null;
        try
        {
            contract = AgentContract.Parse(value);
        }
        catch (FormatException)
        {
            // Not a readable contract: the agent exists; its shape is unknown, so no pre-flight.
        }

        Preflight(agent, Verb.Subscribe, contract?.Invocable, contract?.Streaming);
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*$")]
    private static partial Regex PublishSubjectRule();

    /// <summary>
    /// Publishes <paramref name="payload"/> on any concrete subject with OAM headers (protocol §5.4) and returns the request id.
    /// A <see cref="string"/> is sent as UTF-8 (<c>text/plain</c>), <c>byte[]</c>/<c>ReadOnlyMemory&lt;byte&gt;</c> unchanged
    /// (<c>application/octet-stream</c>), anything else as JSON (<c>application/json</c>). Headers: <c>X-Mesh-Request-Id</c>
    /// (fresh), <c>X-Mesh-Content-Type</c>, <c>X-Mesh-Instance-Id</c>, then <paramref name="headers"/>, which win over all of them.
    /// </summary>
    /// <exception cref="ArgumentException">The subject is empty, contains a wildcard (<c>*</c>, <c>&gt;</c>) or breaks
    /// <c>^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$</c>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="payload"/> is null.</exception>
    public async ValueTask<string> PublishAsync(string subject, object payload, IReadOnlyDictionary<string, string>? headers = null,
        JsonSerializerOptions? jsonOptions = null, CancellationToken cancellationToken = default)
    {
        ValidateSubject(subject, nameof(subject), allowWildcards: false);
        ArgumentNullException.ThrowIfNull(payload);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var (body, contentType) = payload switch
        {
            string text => ((ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(text), "text/plain"),
            byte[] bytes => (bytes, "application/octet-stream"),
            ReadOnlyMemory<byte> memory => (memory, "application/octet-stream"),
            _ => (SerializePayload(payload, jsonOptions ?? _options.JsonOptions ?? MeshJson.Options), "application/json"),
        };
        var requestId = MeshIds.New();
        var natsHeaders = new NatsHeaders
        {
            [MeshHeaders.RequestId] = requestId,
            [MeshHeaders.ContentType] = contentType,
            [MeshHeaders.InstanceId] = InstanceId,
        };
        foreach (var (key, value) in headers ?? new Dictionary<string, string>())
        {
            natsHeaders[key] = value;
        }

        ThrowIfReconnecting("", requestId);
        await Guard("", requestId, async () =>
        {
            await Connection.PublishAsync(subject, body, natsHeaders, serializer: RequestSerializer, cancellationToken: cancellationToken);
            return true;
        }, cancellationToken);
        return natsHeaders.TryGetValue(MeshHeaders.RequestId, out var sent) ? sent.ToString() : requestId;
    }

    private static void ValidateSubject(string subject, string paramName, bool allowWildcards)
    {
        if (string.IsNullOrEmpty(subject))
        {
            throw new ArgumentException("The subject must not be empty.", paramName);
        }

        if (!allowWildcards && (subject.Contains('*') || subject.Contains('>')))
        {
            throw new ArgumentException($"Subject '{subject}' contains a wildcard ('*' or '>'); publish needs a concrete subject.", paramName);
        }

        if (allowWildcards)
        {
            // NATS subject tokens: non-empty, no whitespace; '*' and '>' only as whole tokens ('>' last).
            var tokens = subject.Split('.');
            for (var i = 0; i < tokens.Length; i++)
            {
                var token = tokens[i];
                var ok = token.Length > 0 && !token.Any(char.IsWhiteSpace)
                    && (token is "*" || (token is ">" && i == tokens.Length - 1) || (!token.Contains('*') && !token.Contains('>')));
                if (!ok)
                {
                    throw new ArgumentException($"Invalid subject '{subject}'.", paramName);
                }
            }
        }
        else if (!PublishSubjectRule().IsMatch(subject))
        {
            throw new ArgumentException($"Invalid subject '{subject}': dot-separated segments of [a-zA-Z0-9_-].", paramName);
        }
    }
}
