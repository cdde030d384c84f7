using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>
/// A streaming request (protocol §5.1) as raw frames: enumerate it once to send the request and receive the chunks.
/// After the enumeration completes, <see cref="EndFrame"/> and <see cref="Usage"/> carry what the end frame said.
/// </summary>
/// <remarks>
/// Nothing is sent until enumeration starts. The enumerator subscribes to <c>mesh.stream.{RequestId}</c> (and to
/// <c>mesh.death.{agent}</c>) before it publishes the request, checks <c>X-Mesh-Stream-Seq</c> (0, 1, 2, …), stops at the
/// end frame, and raises the typed error of an error frame (chunks already yielded stay valid partial output).
/// Leaving the loop early just unsubscribes; the agent is not told (the protocol has no cancellation).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The protocol's stream verb (X-Mesh-Stream), not a System.IO.Stream")]
public sealed class MeshStream : IAsyncEnumerable<MeshFrame>
{
    private readonly MeshClient _client;
    private readonly ReadOnlyMemory<byte> _body;
    private readonly CallOptions? _options;
    private readonly CancellationToken _cancellationToken;
    private int _started;

    internal MeshStream(MeshClient client, string agent, ReadOnlyMemory<byte> body, CallOptions? options, CancellationToken cancellationToken)
    {
        _client = client;
        Agent = agent;
        _body = body;
        _options = options;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The target agent.</summary>
    public string Agent { get; }

    /// <summary>This stream's request id (<c>X-Mesh-Request-Id</c>), known before enumeration; the frames arrive on <c>mesh.stream.{RequestId}</c>.</summary>
    public string RequestId { get; } = MeshIds.New();

    /// <summary>The number of data chunks received so far.</summary>
    public long Count { get; internal set; }

    /// <summary>True once the end frame arrived (the stream completed normally).</summary>
    public bool IsCompleted => EndFrame is not null;

    /// <summary>The end frame (empty body, <c>X-Mesh-Stream-Seq</c> = chunk count), once the stream completed; else null.</summary>
    public MeshFrame? EndFrame { get; internal set; }

    /// <summary>The usage the streamer reported (<c>X-Mesh-Usage</c> of the end frame); null before completion or when none was reported.</summary>
    public MeshUsage? Usage => EndFrame?.Usage;

    /// <summary>Starts the stream. A stream can be enumerated only once.</summary>
    /// <exception cref="InvalidOperationException">The stream was already enumerated.</exception>
    public IAsyncEnumerator<MeshFrame> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A mesh stream can be enumerated only once; call StreamAsync again for a new request.");
        }

        return Run(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    private async IAsyncEnumerable<MeshFrame> Run([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken, cancellationToken);
        using var activity = MeshDiagnostics.StartRequest("stream", ActivityKind.Client, Agent, MeshSubjects.Agent(Agent), RequestId, _options?.ConversationId);
        var frames = _client.RunStreamAsync(this, _body, _options, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                MeshFrame frame;
                try
                {
                    if (!await frames.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    frame = frames.Current;
                }
                catch (Exception e) when (MeshDiagnostics.FailAndPass(activity, e))
                {
                    throw;
                }

                yield return frame;
            }

            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(MeshTags.StreamChunks, Count);
                MeshDiagnostics.TagUsage(activity, Usage);
            }
        }
        finally
        {
            await frames.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// A streaming request whose chunks are deserialized to <typeparamref name="TChunk"/>. Enumerate it once; afterwards
/// <see cref="Usage"/> and <see cref="EndFrame"/> carry the end frame's data. See <see cref="MeshStream"/> for the protocol.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The protocol's stream verb (X-Mesh-Stream), not a System.IO.Stream")]
public sealed class MeshStream<TChunk> : IAsyncEnumerable<TChunk>
{
    private readonly JsonSerializerOptions _json;

    internal MeshStream(MeshStream raw, JsonSerializerOptions json)
    {
        Raw = raw;
        _json = json;
    }

    /// <summary>The underlying raw stream.</summary>
    public MeshStream Raw { get; }

    /// <inheritdoc cref="MeshStream.RequestId"/>
    public string RequestId => Raw.RequestId;

    /// <inheritdoc cref="MeshStream.Count"/>
    public long Count => Raw.Count;

    /// <inheritdoc cref="MeshStream.IsCompleted"/>
    public bool IsCompleted => Raw.IsCompleted;

    /// <inheritdoc cref="MeshStream.EndFrame"/>
    public MeshFrame? EndFrame => Raw.EndFrame;

    /// <inheritdoc cref="MeshStream.Usage"/>
    public MeshUsage? Usage => Raw.Usage;

    /// <summary>Starts the stream (once); each chunk body is deserialized (an empty body as <c>{}</c>).</summary>
    public async IAsyncEnumerator<TChunk> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        await foreach (var frame in Raw.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return frame.Deserialize<TChunk>(_json)!;
        }
    }
}
