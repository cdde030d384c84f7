using System.Text.Encodings.Web;
using System.Text.Json;

namespace OamOrleans;

/// <summary>
/// A conversation's last turns, kept in the form they are stored in: every turn looks a request id up and rewrites the
/// whole log with the state, so the lookup reads one array of id hashes and the write copies one contiguous buffer of
/// serialized entries (<c>[["id",reply],…]</c>), instead of visiting a record, a string and a reply per logged turn.
/// </summary>
internal sealed class TurnLog
{
    private readonly List<TurnRecord> _turns = [];
    private readonly List<int> _hashes = [];
    private readonly List<int> _entryLengths = [];

    /// <summary><c>[</c>, then the serialized entries separated by commas; one more byte is kept free for the closing <c>]</c>.</summary>
    private byte[] _json = new byte[256];
    private int _jsonLength = 1;

    public TurnLog()
    {
        _json[0] = (byte)'[';
        Turns = _turns.AsReadOnly();
    }

    /// <summary>
    /// The logged turns, oldest first; read-only, so a serializer that fills collections in place (Orleans' memory
    /// storage uses Newtonsoft.Json) sets a new list through <see cref="ConversationSnapshot{TState}.Turns"/> instead.
    /// </summary>
    public IReadOnlyList<TurnRecord> Turns { get; }

    public int Count => _turns.Count;

    /// <summary>The stored reply to <paramref name="requestId"/>, if that turn is in the log.</summary>
    public byte[]? ReplyTo(string requestId)
    {
        var hash = requestId.GetHashCode(StringComparison.Ordinal);
        for (var i = _hashes.Count - 1; i >= 0; i--)
        {
            if (_hashes[i] == hash && _turns[i].RequestId == requestId)
            {
                return _turns[i].Reply;
            }
        }

        return null;
    }

    /// <summary>Adds a turn read from storage (no trimming: the log is as it was stored).</summary>
    public void Add(TurnRecord turn)
    {
        Span<byte> protocolId = stackalloc byte[StoredIds.ProtocolIdLength];
        ReadOnlySpan<byte> quoted = StoredIds.TryEncodeProtocolId(turn.RequestId, protocolId) ? protocolId : Quoted(StoredIds.Encode(turn.RequestId));
        var length = 2 + quoted.Length + 2 + turn.Reply.Length + 1; // ["id",reply]
        var separator = _turns.Count > 0 ? 1 : 0;
        Reserve(separator + length + 1);
        var span = _json.AsSpan(_jsonLength);
        if (separator == 1)
        {
            span[0] = (byte)',';
            span = span[1..];
        }

        span[0] = (byte)'[';
        span[1] = (byte)'"';
        quoted.CopyTo(span[2..]);
        var at = 2 + quoted.Length;
        span[at] = (byte)'"';
        span[at + 1] = (byte)',';
        turn.Reply.CopyTo(span[(at + 2)..]);
        span[length - 1] = (byte)']';
        _jsonLength += separator + length;
        _turns.Add(turn);
        _hashes.Add(turn.RequestId.GetHashCode(StringComparison.Ordinal));
        _entryLengths.Add(length);
    }

    /// <summary>Adds a turn, dropping the oldest beyond <paramref name="size"/> (at least 1: the new turn stays).</summary>
    public void Record(TurnRecord turn, int size)
    {
        Add(turn);
        var drop = _turns.Count - size;
        if (drop <= 0)
        {
            return;
        }

        var dropped = 0;
        for (var i = 0; i < drop; i++)
        {
            dropped += _entryLengths[i] + 1; // the entry and the comma after it
        }

        _json.AsSpan(1 + dropped, _jsonLength - 1 - dropped).CopyTo(_json.AsSpan(1));
        _jsonLength -= dropped;

        _turns.RemoveRange(0, drop);
        _hashes.RemoveRange(0, drop);
        _entryLengths.RemoveRange(0, drop);
    }

    /// <summary>A stored id other than a protocol id, escaped as a JSON string needs it.</summary>
    private static byte[] Quoted(byte[] id) =>
        JavaScriptEncoder.Default.FindFirstCharacterToEncodeUtf8(id) >= 0 ? JsonEncodedText.Encode(id).EncodedUtf8Bytes.ToArray() : id;

    /// <summary>Writes the log as one JSON array value.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        _json[_jsonLength] = (byte)']';
        writer.WriteRawValue(_json.AsSpan(0, _jsonLength + 1), skipInputValidation: true);
    }

    private void Reserve(int more)
    {
        if (_jsonLength + more > _json.Length)
        {
            Array.Resize(ref _json, Math.Max(_json.Length * 2, _jsonLength + more));
        }
    }
}
