using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;

namespace OamOrleans.Persistence.Nats;

/// <summary>
/// Reused buffers for the default JSON serializer's state writes: a write serializes into one, publishes it (NATS.Net
/// copies the payload onto its connection before the acknowledgement is awaited) and returns it, so a turn allocates no
/// payload array (the state plus a conversation's turn log: a kilobyte or more every turn).
/// </summary>
internal sealed class StatePayloads(JsonSerializerOptions options)
{
    // What JsonSerializer.SerializeToUtf8Bytes would write with these options, byte for byte.
    private readonly JsonWriterOptions _writerOptions = new()
    {
        Encoder = options.Encoder,
        Indented = options.WriteIndented,
        IndentCharacter = options.IndentCharacter,
        IndentSize = options.IndentSize,
        NewLine = options.NewLine,
        MaxDepth = options.MaxDepth,
        SkipValidation = true,
    };

    /// <summary>Buffers that grew beyond this are dropped rather than kept for the next write.</summary>
    private const int MaxKeptBytes = 64 * 1024;

    private const int MaxKept = 64;

    private readonly ConcurrentQueue<Payload> _free = new();

    public Payload Serialize<T>(T? state)
    {
        var payload = _free.TryDequeue(out var kept) ? kept : new Payload(_writerOptions);
        payload.Writer.Reset(payload.Buffer);
        JsonSerializer.Serialize(payload.Writer, state, options);
        payload.Writer.Flush();
        return payload;
    }

    public void Return(Payload payload)
    {
        payload.Buffer.ResetWrittenCount();
        if (payload.Buffer.Capacity <= MaxKeptBytes && _free.Count < MaxKept)
        {
            _free.Enqueue(payload);
        }
    }

    /// <summary>One serialized state: the bytes written so far and the JSON writer that wrote them.</summary>
    internal sealed class Payload(JsonWriterOptions writerOptions)
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new(1024);

        public Utf8JsonWriter Writer { get; } = new(Stream.Null, writerOptions);

        public ReadOnlyMemory<byte> Bytes => Buffer.WrittenMemory;
    }
}
