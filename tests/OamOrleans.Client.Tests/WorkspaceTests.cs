using System.Security.Cryptography;
using System.Text;
using NATS.Client.ObjectStore;
using NATS.Net;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Port of the Python <c>test_workspace.py</c> (P: cross-client sharing) on the <c>mesh-artifacts</c> object store.</summary>
[Trait("Category", "Integration")]
public sealed class WorkspaceTests(NatsFixture fx) : IClassFixture<NatsFixture>, IAsyncLifetime
{
    private MeshClient _client = null!;

    public async Task InitializeAsync() => _client = await MeshClient.ConnectAsync(fx.Server.Url);

    public async Task DisposeAsync() => await _client.DisposeAsync();

    private static string Key() => $"wf-{Guid.NewGuid():N}/step-1/out.bin";

    [Fact]
    public async Task Bytes_and_strings_round_trip()
    {
        var bin = Key();
        var text = Key();

        var info = await _client.Workspace.PutAsync(bin, new byte[] { 1, 2, 3 });
        await _client.Workspace.PutAsync(text, "héllo wörld");

        Assert.Equal(new byte[] { 1, 2, 3 }, await _client.Workspace.GetBytesAsync(bin));
        Assert.Equal("héllo wörld", await _client.Workspace.GetStringAsync(text));
        Assert.Equal(bin, info.Key);
        Assert.Equal(3, info.Size);
        Assert.StartsWith("SHA-256=", info.Digest);
        Assert.Equal(MeshBuckets.Artifacts, _client.Workspace.Bucket);
    }

    [Fact]
    public async Task Overwrite_replaces_the_object()
    {
        var key = Key();
        await _client.Workspace.PutAsync(key, "first version, longer");
        await _client.Workspace.PutAsync(key, "second");

        Assert.Equal("second", await _client.Workspace.GetStringAsync(key));
        Assert.Equal(6, (await _client.Workspace.GetInfoAsync(key))!.Size);
    }

    [Fact]
    public async Task A_200_KB_binary_spans_several_chunks()
    {
        var key = Key();
        var data = new byte[200 * 1024];
        new Random(42).NextBytes(data);

        var info = await _client.Workspace.PutAsync(key, data);

        Assert.Equal(2, info.Chunks);
        Assert.Equal(data, await _client.Workspace.GetBytesAsync(key));
    }

    [Fact]
    public async Task Delete_removes_the_object_and_missing_objects_raise_NotFound()
    {
        var key = Key();
        await _client.Workspace.PutAsync(key, "x");

        await _client.Workspace.DeleteAsync(key);

        await Assert.ThrowsAsync<NotFoundException>(() => _client.Workspace.GetBytesAsync(key).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => _client.Workspace.GetAsync(key, Stream.Null).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => _client.Workspace.DeleteAsync(key).AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => _client.Workspace.GetStringAsync(Key(), new SyncProgress()).AsTask());
        Assert.Null(await _client.Workspace.GetInfoAsync(key));
    }

    [Fact]
    public async Task Keys_are_isolated()
    {
        var a = Key();
        var b = a.Replace("out.bin", "out2.bin", StringComparison.Ordinal);
        await _client.Workspace.PutAsync(a, "A");
        await _client.Workspace.PutAsync(b, "B");

        Assert.Equal("A", await _client.Workspace.GetStringAsync(a));
        Assert.Equal("B", await _client.Workspace.GetStringAsync(b));
    }

    [Fact]
    public async Task A_producer_and_a_consumer_share_objects_across_clients_and_with_plain_NATS()
    {
        await using var consumer = await MeshClient.ConnectAsync(fx.Server.Url);
        var key = Key();
        await _client.Workspace.PutAsync(key, "artifact from the producer");

        Assert.Equal("artifact from the producer", await consumer.Workspace.GetStringAsync(key));

        // The standard object store layout: a plain NATS.Net client reads it too, and we read what it wrote.
        await using var raw = fx.Server.Connect();
        var store = await raw.CreateJetStreamContext().CreateObjectStoreContext().GetObjectStoreAsync(MeshBuckets.Artifacts);
        Assert.Equal("artifact from the producer", Encoding.UTF8.GetString(await store.GetBytesAsync(key)));
        await store.PutAsync(key + ".raw", "written raw"u8.ToArray());
        Assert.Equal("written raw", await consumer.Workspace.GetStringAsync(key + ".raw"));
    }

    [Fact]
    public async Task Concurrent_writers_on_different_keys_all_land()
    {
        var keys = Enumerable.Range(0, 8).Select(_ => Key()).ToArray();

        await Task.WhenAll(keys.Select((k, i) => _client.Workspace.PutAsync(k, $"payload {i}").AsTask()));

        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal($"payload {i}", await _client.Workspace.GetStringAsync(keys[i]));
        }
    }

    [Fact]
    public async Task Streams_round_trip_and_report_progress_up_to_the_total()
    {
        var key = Key();
        var data = new byte[700 * 1024];
        new Random(7).NextBytes(data);
        var putProgress = new SyncProgress();
        var getProgress = new SyncProgress();

        using var source = new MemoryStream(data);
        await _client.Workspace.PutAsync(key, source, putProgress);
        using var sink = new MemoryStream();
        var info = await _client.Workspace.GetAsync(key, sink, getProgress);

        Assert.Equal(data, sink.ToArray());
        Assert.True(source.CanRead, "the caller's stream is left open");
        Assert.Equal(data.Length, info.Size);
        Assert.Equal(data.Length, putProgress.Last.BytesTransferred);
        Assert.Equal(data.Length, putProgress.Last.TotalBytes);
        Assert.Equal(data.Length, getProgress.Last.BytesTransferred);
        Assert.Equal(data.Length, getProgress.Last.TotalBytes);
        Assert.True(getProgress.Count > 1);
        Assert.Equal(key, getProgress.Last.Key);
        Assert.True(putProgress.Reports.Zip(putProgress.Reports.Skip(1)).All(p => p.First.BytesTransferred < p.Second.BytesTransferred));
    }

    [Fact]
    public async Task Empty_objects_round_trip()
    {
        var key = Key();
        await _client.Workspace.PutAsync(key, Array.Empty<byte>());

        Assert.Empty(await _client.Workspace.GetBytesAsync(key));
    }
}

/// <summary>Records progress reports synchronously (unlike <see cref="Progress{T}"/>, which posts them later).</summary>
internal sealed class SyncProgress : IProgress<WorkspaceProgress>
{
    private readonly List<WorkspaceProgress> _reports = [];

    public IReadOnlyList<WorkspaceProgress> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public int Count => Reports.Count;

    public WorkspaceProgress Last => Reports[^1];

    public void Report(WorkspaceProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "memory measurement (runs alone)";
}

/// <summary>
/// A 30 MB workspace round trip through streams: the live managed heap stays far below the object size (it is never held
/// whole), and the bytes arrive intact. Runs alone so other tests' allocations do not blur the measurement.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
[Trait("Category", "Integration")]
public sealed class WorkspaceLargeObjectTests : IAsyncLifetime
{
    private const long Size = 30L * 1024 * 1024;
    private Testing.NatsServer _server = null!;
    private MeshClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await Testing.NatsServer.StartAsync();
        _client = await MeshClient.ConnectAsync(_server.Url);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_30_MB_object_round_trips_with_bounded_memory()
    {
        var key = $"big/{Guid.NewGuid():N}.bin";
        await _client.Workspace.PutAsync(key + ".warmup", new byte[300 * 1024]);
        await _client.Workspace.GetAsync(key + ".warmup", Stream.Null);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        using var sampler = new HeapSampler();
        var source = new GeneratedStream(Size, seed: 1234);
        var putProgress = new SyncProgress();
        var put = await _client.Workspace.PutAsync(key, source, putProgress);
        var putPeak = sampler.Peak;
        var sink = new HashingSink();
        var got = await _client.Workspace.GetAsync(key, sink, new SyncProgress());
        var peak = await sampler.StopAsync();

        Assert.Equal(Size, put.Size);
        Assert.Equal(Size, got.Size);
        Assert.Equal(Size, sink.Length);
        Assert.Equal(source.Hash(), sink.Hash());
        Assert.Equal(Size, putProgress.Last.BytesTransferred);
        Assert.Null(putProgress.Last.TotalBytes);
        var growth = peak - baseline;
        Assert.True(growth < Size / 4, $"live heap grew by {growth / 1024 / 1024.0:F1} MB during a {Size / 1024 / 1024} MB round trip (put phase {(putPeak - baseline) / 1024 / 1024.0:F1} MB; samples: {sampler.Samples})");
    }

    /// <summary>Samples the live heap (after a full collection) every 20 ms and keeps the peak.</summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;

        public HeapSampler() => _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                try
                {
                    await Task.Delay(20, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        public int Samples { get; private set; }

        public long Peak => Interlocked.Read(ref _peak);

        public async Task<long> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            Sample();
            return _peak;
        }

        private void Sample()
        {
            var live = GC.GetTotalMemory(forceFullCollection: true);
            Samples++;
            if (live > _peak)
            {
                _peak = live;
            }
        }

        public void Dispose() => _stop.Dispose();
    }

    /// <summary>A non-seekable stream of <c>length</c> deterministic pseudo-random bytes, generated as it is read and hashed on the way.</summary>
    private sealed class GeneratedStream(long length, ulong seed) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private ulong _state = seed;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public byte[] Hash() => _hash.GetCurrentHash();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            for (var i = 0; i < n; i++)
            {
                _state ^= _state << 13;
                _state ^= _state >> 7;
                _state ^= _state << 17;
                buffer[i] = (byte)_state;
            }

            _hash.AppendData(buffer[..n]);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A write-only sink that hashes and counts what it gets, keeping nothing.</summary>
    private sealed class HashingSink : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public byte[] Hash() => _hash.GetCurrentHash();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _length += buffer.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
