using System.Runtime.CompilerServices;
using System.Threading.Channels;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

public sealed partial class MeshClient
{
    /// <summary>
    /// Streams from a streaming agent (protocol §5.1): <paramref name="payload"/> is serialized like
    /// <see cref="CallAsync{TOut}"/>'s, each chunk is deserialized to <typeparamref name="TChunk"/>. Nothing is sent until the
    /// result is enumerated (once). After the loop, <see cref="MeshStream{TChunk}.Usage"/> holds the end frame's usage.
    /// </summary>
    /// <example>
    /// <code>
    /// var stream = client.StreamAsync&lt;Delta&gt;("demo.writer", new { topic = "nats" });
    /// await foreach (var delta in stream) Console.Write(delta.Text);
    /// Console.WriteLine(stream.Usage?.OutputTokens);
    /// </code>
    /// </example>
    /// <exception cref="ArgumentException">
    /// The agent name breaks the naming rule, or <paramref name="options"/> asks for retries (a stream is never retried:
    /// chunks may already have reached the caller). Thrown here, before enumeration.
    /// </exception>
    /// <exception cref="MeshException">
    /// During enumeration: <see cref="InvocationMismatchException"/> before sending when the catalog says the agent is a
    /// responder, a publisher or a background task; the typed error of an error frame (a missing code reads as
    /// <c>handler_error</c>); <see cref="ChunkSequenceErrorException"/> on a sequence gap; <see cref="MeshTimeoutException"/>
    /// past the total deadline; <see cref="AgentDiedException"/> when a death notice for the agent arrives;
    /// <see cref="ConnectionFailedException"/>.
    /// </exception>
    public MeshStream<TChunk> StreamAsync<TChunk>(string agent, object? payload = null, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var json = JsonOptionsFor(options?.JsonOptions);
        return new MeshStream<TChunk>(StreamRawAsync(agent, SerializePayload(payload, json), options, cancellationToken), json);
    }

    /// <summary>
    /// Streams from a streaming agent with a raw body, yielding the data frames (body and headers) as they arrive.
    /// Request headers: <c>X-Mesh-Request-Id</c> (= <see cref="MeshStream.RequestId"/>), <c>X-Mesh-Stream: true</c>,
    /// <c>X-Mesh-Instance-Id</c>, and <c>X-Mesh-Conversation-Id</c> when set. The request has no reply subject.
    /// </summary>
    /// <inheritdoc cref="StreamAsync{TChunk}" path="/exception"/>
    public MeshStream StreamRawAsync(string agent, ReadOnlyMemory<byte> body, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        AgentName.Validate(agent, nameof(agent));
        if (options?.Retry is { Enabled: true })
        {
            throw new ArgumentException("A stream is never retried: its chunks may already have reached the caller. Leave CallOptions.Retry unset (or MeshRetryOptions.None).", nameof(options));
        }

        ThrowIfDisposed();
        return new MeshStream(this, agent, body, options, cancellationToken);
    }

    internal async IAsyncEnumerable<MeshFrame> RunStreamAsync(MeshStream stream, ReadOnlyMemory<byte> body, CallOptions? options, [EnumeratorCancellation] CancellationToken ct)
    {
        var agent = stream.Agent;
        var requestId = stream.RequestId;
        ThrowIfDisposed();
        await ConnectedAsync(ct).ConfigureAwait(false);
        CallPreflight.Check(agent, MeshVerb.Stream, CachedEntry(agent));
        ThrowIfReconnecting(agent, requestId);
        var timeout = options?.Timeout ?? _options.StreamTimeout;
        var headers = BuildHeaders(requestId, options?.ConversationId, options?.Headers, timeout);
        headers[MeshHeaders.RequestId] = requestId;
        headers[MeshHeaders.Stream] = MeshHeaders.True;

        // Subscribe to the stream subject (and the death subject) before publishing: frames can follow the request at once.
        var frames = await Guard(agent, requestId, () => Connection.SubscribeCoreAsync(MeshSubjects.Stream(requestId), serializer: ReplySerializer, cancellationToken: ct), ct).ConfigureAwait(false);
        INatsSub<byte[]>? death = null;
        // A denied request publish or frames subscription ends the stream at once (connection_denied), not at its deadline.
        using var publishDenial = _permissions.Watch(MeshSubjects.Agent(agent), subscription: false, ct);
        using var subscribeDenial = _permissions.Watch(MeshSubjects.Stream(requestId), subscription: true, ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(publishDenial.Token, subscribeDenial.Token);
        Task<NatsMsg<byte[]>>? deathTask = null;
        try
        {
            if (_options.DeathFastFail)
            {
                death = await Guard(agent, requestId, () => Connection.SubscribeCoreAsync(MeshSubjects.Death(agent), serializer: ReplySerializer, cancellationToken: ct), ct).ConfigureAwait(false);
                deathTask = death.Msgs.ReadAsync(deadline.Token).AsTask();
            }

            await Guard(agent, requestId, () => Connection.PublishAsync(MeshSubjects.Agent(agent), body, headers, serializer: RequestSerializer, cancellationToken: ct), ct).ConfigureAwait(false);
            deadline.CancelAfter(timeout);
            long expected = 0;
            while (true)
            {
                var (msg, error) = await NextFrameAsync(frames, deathTask, agent, requestId, timeout, deadline.Token, ct).ConfigureAwait(false);
                if (error is not null)
                {
                    throw (publishDenial.IsDenied ? publishDenial : subscribeDenial).IsDenied && error is MeshTimeoutException
                        ? (publishDenial.IsDenied ? publishDenial : subscribeDenial).Denied(agent, requestId)
                        : error;
                }

                var frame = MeshFrame.From(msg);
                if (frame.IsError)
                {
                    throw MeshException.FromErrorReply(frame.Body.Span, agent, requestId, MeshErrorCodes.HandlerError);
                }

                if (frame.IsEnd)
                {
                    stream.EndFrame = frame;
                    yield break;
                }

                if (frame.Headers.Count == 0 && frame.Body.IsEmpty)
                {
                    // Neither data, end nor error: ignored, like the reference Python caller.
                    continue;
                }

                // A missing Seq counts as the expected one (TypeScript SDK); a wrong or unreadable one is an error.
                var got = frame.Header(MeshHeaders.StreamSeq) is null ? expected : frame.Sequence ?? -1;
                if (got != expected)
                {
                    throw new ChunkSequenceErrorException(expected, got, agent, requestId);
                }

                expected++;
                stream.Count = expected;
                yield return frame;
            }
        }
        finally
        {
            await deadline.CancelAsync().ConfigureAwait(false);
            ObserveFault(deathTask);
            if (death is not null)
            {
                await death.DisposeAsync().ConfigureAwait(false);
            }

            await frames.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The next frame, or the error that ends the stream (timeout, death notice, closed connection).</summary>
    private static async ValueTask<(NatsMsg<byte[]> Msg, MeshException? Error)> NextFrameAsync(
        INatsSub<byte[]> frames, Task<NatsMsg<byte[]>>? deathTask, string agent, string requestId, TimeSpan timeout, CancellationToken deadline, CancellationToken ct)
    {
        if (frames.Msgs.TryRead(out var ready))
        {
            return (ready, null);
        }

        try
        {
            if (deathTask is null)
            {
                return (await frames.Msgs.ReadAsync(deadline).ConfigureAwait(false), null);
            }

            var read = frames.Msgs.ReadAsync(deadline).AsTask();
            await Task.WhenAny(read, deathTask).ConfigureAwait(false);
            if (read.IsCompletedSuccessfully || !deathTask.IsCompletedSuccessfully)
            {
                return (await read.ConfigureAwait(false), null);
            }

            ObserveFault(read);
            return (default, Died(agent, requestId, deathTask.Result.Data, "the stream"));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (default, new MeshTimeoutException(MeshSubjects.Agent(agent), timeout, agent, requestId));
        }
        catch (ChannelClosedException e)
        {
            return (default, new ConnectionFailedException($"The stream subscription closed: {e.Message}", agent, requestId, innerException: e));
        }
    }
}
