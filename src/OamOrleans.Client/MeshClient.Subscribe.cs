using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

public sealed partial class MeshClient
{
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
        var json = JsonOptionsFor(jsonOptions);
        return Typed(raw, json, cancellationToken);

        static async IAsyncEnumerable<T> Typed(IAsyncEnumerable<MeshFrame> frames, JsonSerializerOptions json, [EnumeratorCancellation] CancellationToken ct = default)
        {
            await foreach (var frame in frames.WithCancellation(ct).ConfigureAwait(false))
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
            MeshSubjectRules.Validate(subject!, nameof(subject), allowWildcards: true);
        }

        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "The inactivity timeout must be positive.");
        }

        ThrowIfDisposed();
        var target = agent is not null ? MeshSubjects.Events(agent) : channel is not null ? MeshSubjects.ChannelWildcard(channel) : subject!;
        return RunSubscribeAsync(agent, target, timeout, cancellationToken);
    }

    private async IAsyncEnumerable<MeshFrame> RunSubscribeAsync(string? agent, string target, TimeSpan? timeout, [EnumeratorCancellation] CancellationToken ct)
    {
        await ConnectedAsync(ct).ConfigureAwait(false);
        if (agent is not null)
        {
            await ResolveEventSourceAsync(agent, ct).ConfigureAwait(false);
        }

        // A subscription the server refuses (-ERR Permissions Violation for Subscription) ends at once with connection_denied.
        using var denial = _permissions.Watch(target, subscription: true, ct);
        var sub = await Guard(agent ?? "", "", () => Connection.SubscribeCoreAsync(target, serializer: ReplySerializer, cancellationToken: ct), ct).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var (msg, error) = await NextEventOrDenialAsync(sub, timeout, agent ?? "", target, denial, ct).ConfigureAwait(false);
                if (error is not null)
                {
                    throw error;
                }

                var frame = MeshFrame.From(msg);
                if (frame.IsError)
                {
                    throw MeshException.FromErrorReply(frame.Body.Span, agent, requestId: null, MeshErrorCodes.HandlerError);
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
            await sub.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async ValueTask<(NatsMsg<byte[]> Msg, MeshException? Error)> NextEventOrDenialAsync(
        INatsSub<byte[]> sub, TimeSpan? timeout, string agent, string target, PermissionWatch.Registration denial, CancellationToken ct)
    {
        (NatsMsg<byte[]> Msg, MeshException? Error) next;
        try
        {
            next = await NextEventAsync(sub, timeout, agent, target, denial.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (denial.IsDenied && !ct.IsCancellationRequested)
        {
            return (default, denial.Denied(agent, ""));
        }

        // The caller's cancellation also closes the subscription: that is a cancellation, not a closed connection.
        if (next.Error is not null)
        {
            ct.ThrowIfCancellationRequested();
        }

        return next;
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
                return (await sub.Msgs.ReadAsync(ct).ConfigureAwait(false), null);
            }

            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(t);
            return (await sub.Msgs.ReadAsync(idle.Token).ConfigureAwait(false), null);
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
        if (CachedEntry(agent) is { } cached)
        {
            CallPreflight.Check(agent, MeshVerb.Subscribe, cached);
            return;
        }

        var value = await ReadRegistryAsync(agent, ct).ConfigureAwait(false) ?? throw new NotFoundException($"Agent '{agent}' not found", agent);
        AgentContract? contract = null;
        try
        {
            contract = AgentContract.Parse(value);
        }
        catch (FormatException)
        {
            // Not a readable contract: the agent exists; its shape is unknown, so no pre-flight.
        }

        CallPreflight.Check(agent, MeshVerb.Subscribe, contract?.Invocable, contract?.Streaming);
    }
}
