using System.Security.Cryptography;
using System.Text;
using NATS.Client.Core;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;
using NATS.Net;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>Progress of a workspace transfer: bytes moved so far and the total when known.</summary>
/// <param name="Key">The object key.</param>
/// <param name="BytesTransferred">Bytes read from the source (put) or written to the destination (get) so far.</param>
/// <param name="TotalBytes">The object size when known (a seekable source, or any get); else null.</param>
public readonly record struct WorkspaceProgress(string Key, long BytesTransferred, long? TotalBytes);

/// <summary>What the workspace knows about a stored object.</summary>
/// <param name="Key">The object key.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Chunks">Number of chunks (128 KiB each, the reference's default).</param>
/// <param name="Digest">The integrity digest, <c>SHA-256=…</c> (base64url).</param>
/// <param name="Modified">Last modification time.</param>
public sealed record WorkspaceObject(string Key, long Size, int Chunks, string Digest, DateTimeOffset Modified);

/// <summary>
/// The mesh workspace (object store bucket <c>mesh-artifacts</c>, protocol §6.1), reached as <see cref="MeshClient.Workspace"/>:
/// put/get/delete of bytes, strings and streams under free-form keys (<c>{workflow}/{step}/{artifact}</c> is the convention).
/// It is the standard NATS Object Store layout, so objects are shared with every other OpenAgentMesh SDK.
/// </summary>
/// <remarks>
/// The stream overloads move objects of any size chunk by chunk (128 KiB), never holding them whole in memory; the byte
/// and string overloads are for small objects. Every transfer can report <see cref="WorkspaceProgress"/>. The bucket is
/// opened (or created) on first use.
/// </remarks>
public sealed class MeshWorkspace
{
    /// <summary>Chunks buffered by a get: at most this many 128 KiB chunks are in memory at once, whatever the object size.</summary>
    private const int ChunksInFlight = 8;

    private readonly MeshClient _client;
    private readonly LazyStore<INatsObjStore> _store;

    internal MeshWorkspace(MeshClient client)
    {
        _client = client;
        _store = client.StoreOnFirstUse((connection, ct) => MeshStores.GetOrCreateObjectStoreAsync(connection.CreateJetStreamContext().CreateObjectStoreContext(), MeshBuckets.Artifacts, ct));
    }

    /// <summary>The bucket name, <c>mesh-artifacts</c>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the store's instance API, beside its other members")]
    public string Bucket => MeshBuckets.Artifacts;

    /// <summary>Stores <paramref name="data"/> under <paramref name="key"/> (replacing any previous object).</summary>
    public async ValueTask<WorkspaceObject> PutAsync(string key, ReadOnlyMemory<byte> data, IProgress<WorkspaceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var source = new MemoryStream(data.ToArray(), writable: false);
        return await PutAsync(key, source, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores <paramref name="text"/> as UTF-8 under <paramref name="key"/>.</summary>
    public ValueTask<WorkspaceObject> PutAsync(string key, string text, IProgress<WorkspaceProgress>? progress = null, CancellationToken cancellationToken = default) =>
        PutAsync(key, Encoding.UTF8.GetBytes(text), progress, cancellationToken);

    /// <summary>
    /// Stores everything read from <paramref name="content"/> (from its current position to its end) under
    /// <paramref name="key"/>, streaming it in chunks. The stream is left open. The total in progress reports is known
    /// when the stream can seek.
    /// </summary>
    public async ValueTask<WorkspaceObject> PutAsync(string key, Stream content, IProgress<WorkspaceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ValidKey(key);
        var store = await _store.GetAsync(cancellationToken).ConfigureAwait(false);
        long? total = content.CanSeek ? Math.Max(0, content.Length - content.Position) : null;
        Stream source = progress is null ? content : new ProgressStream(content, key, total, progress);
        try
        {
            var meta = await store.PutAsync(new ObjectMetadata { Name = key }, source, leaveOpen: true, cancellationToken).ConfigureAwait(false);
            return Info(meta);
        }
        finally
        {
            if (!ReferenceEquals(source, content))
            {
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The object as bytes (for small objects; use <see cref="GetAsync(string, Stream, IProgress{WorkspaceProgress}?, CancellationToken)"/> for large ones).</summary>
    /// <exception cref="NotFoundException">No object under <paramref name="key"/>.</exception>
    public async ValueTask<byte[]> GetBytesAsync(string key, IProgress<WorkspaceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await GetAsync(key, buffer, progress, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>The object decoded as UTF-8.</summary>
    /// <exception cref="NotFoundException">No object under <paramref name="key"/>.</exception>
    public async ValueTask<string> GetStringAsync(string key, IProgress<WorkspaceProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await GetBytesAsync(key, progress, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Writes the object to <paramref name="destination"/> chunk by chunk (left open) and checks its SHA-256 digest.
    /// Memory stays bounded whatever the object size: chunks are pulled a few at a time (flow-controlled by the reader).
    /// </summary>
    /// <exception cref="NotFoundException">No object under <paramref name="key"/>.</exception>
    /// <exception cref="MeshException">The object is incomplete or its digest does not match (code <c>mesh_error</c>).</exception>
    public async ValueTask<WorkspaceObject> GetAsync(string key, Stream destination, IProgress<WorkspaceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ValidKey(key);
        var store = await _store.GetAsync(cancellationToken).ConfigureAwait(false);
        ObjectMetadata meta;
        try
        {
            meta = await store.GetInfoAsync(key, showDeleted: false, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsObjNotFoundException e)
        {
            throw Missing(key, e);
        }

        if (meta.Deleted)
        {
            throw Missing(key);
        }

        if (meta.Options?.Link is not null)
        {
            // A link (not something the mesh writes): let the object store resolve it.
            Stream sink = progress is null ? destination : new ProgressStream(destination, key, null, progress);
            return Info(await store.GetAsync(key, sink, leaveOpen: true, cancellationToken).ConfigureAwait(false));
        }

        await CopyChunksAsync(meta, destination, progress, cancellationToken).ConfigureAwait(false);
        return Info(meta);
    }

    /// <summary>Pulls the object's chunks in order with a bounded buffer, writes them out and checks size and digest.</summary>
    private async ValueTask CopyChunksAsync(ObjectMetadata meta, Stream destination, IProgress<WorkspaceProgress>? progress, CancellationToken ct)
    {
        var size = (long)meta.Size;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long done = 0;
        if (size > 0)
        {
            // Direct gets, one chunk at a time ("next message on the chunk subject after sequence n"): a single chunk is in
            // memory whatever the object size or the destination's speed, and no consumer is needed (NATS.Net's consumer
            // create sends multi-filter configs that nats-server 2.9 does not understand).
            var api = $"$JS.API.DIRECT.GET.OBJ_{Bucket}";
            var chunkSubject = $"$O.{Bucket}.C.{meta.Nuid}";
            ulong seq = 1;
            while (done < size)
            {
                var request = Encoding.UTF8.GetBytes($$"""{"seq":{{seq}},"next_by_subj":"{{chunkSubject}}"}""");
                NatsMsg<NatsMemoryOwner<byte>> msg;
                try
                {
                    msg = await _client.Connection.RequestAsync(api, request, requestSerializer: NatsRawSerializer<byte[]>.Default,
                        replySerializer: NatsRawSerializer<NatsMemoryOwner<byte>>.Default, replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(10) },
                        cancellationToken: ct).ConfigureAwait(false);
                }
                catch (NatsNoRespondersException) when (done == 0)
                {
                    // A bucket created without allow_direct: let the object store stream it.
                    var store = await _store.GetAsync(ct).ConfigureAwait(false);
                    Stream sink = progress is null ? destination : new ProgressStream(destination, meta.Name, size, progress);
                    await store.GetAsync(meta.Name, sink, leaveOpen: true, ct).ConfigureAwait(false);
                    return;
                }

                using var chunk = msg.Data;
                if (msg.Headers is { Code: >= 300 } || msg.Headers?.TryGetValue("Nats-Sequence", out var seqHeader) != true
                    || !ulong.TryParse(seqHeader.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var got))
                {
                    break;
                }

                var memory = chunk.Memory;
                hash.AppendData(memory.Span);
                await destination.WriteAsync(memory, ct).ConfigureAwait(false);
                done += memory.Length;
                seq = got + 1;
                progress?.Report(new WorkspaceProgress(meta.Name, done, size));
            }
        }

        if (done != size)
        {
            throw new MeshException(MeshErrorCodes.MeshError, $"Object '{meta.Name}' is incomplete: got {done} of {size} bytes");
        }

        if (meta.Digest is { Length: > 0 } digest && digest.StartsWith("SHA-256=", StringComparison.Ordinal)
            && !SameDigest(digest["SHA-256=".Length..], hash.GetHashAndReset()))
        {
            throw new MeshException(MeshErrorCodes.MeshError, $"Object '{meta.Name}' failed its SHA-256 digest check");
        }
    }

    private static bool SameDigest(string encoded, byte[] actual)
    {
        var text = encoded.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(text).AsSpan().SequenceEqual(actual);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The object's size, chunk count, digest and time, or null when there is none.</summary>
    public async ValueTask<WorkspaceObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidKey(key);
        var store = await _store.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var meta = await store.GetInfoAsync(key, showDeleted: false, cancellationToken).ConfigureAwait(false);
            return meta.Deleted ? null : Info(meta);
        }
        catch (NatsObjNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Deletes the object (its chunks are purged).</summary>
    /// <exception cref="NotFoundException">No object under <paramref name="key"/>.</exception>
    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidKey(key);
        if (await GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw Missing(key);
        }

        var store = await _store.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsObjNotFoundException e)
        {
            throw Missing(key, e);
        }
    }

    private static WorkspaceObject Info(ObjectMetadata meta) =>
        new(meta.Name, (long)meta.Size, (int)meta.Chunks, meta.Digest ?? "", meta.MTime);

    private static NotFoundException Missing(string key, Exception? inner = null) =>
        new($"Object '{key}' not found in {MeshBuckets.Artifacts}", innerException: inner);

    private static void ValidKey(string key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new ArgumentException("The workspace key must not be empty.", nameof(key));
        }
    }

    /// <summary>Counts bytes through a read (put) or write (get) stream and reports progress.</summary>
    private sealed class ProgressStream(Stream inner, string key, long? total, IProgress<WorkspaceProgress> progress) : Stream
    {
        private long _done;

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _done; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Count(count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Count(buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private int Count(int n)
        {
            if (n > 0)
            {
                _done += n;
                progress.Report(new WorkspaceProgress(key, _done, total));
            }

            return n;
        }
    }
}
