using System.Text;
using System.Text.Json;

namespace OamOrleans.Client;

/// <summary>What produced a <see cref="KvEntry"/>: a put, or a delete/purge marker (the reference's <c>"PUT"</c> / <c>"DELETE"</c>).</summary>
public enum KvOperation
{
    /// <summary>A value was put (<c>"PUT"</c>).</summary>
    Put,

    /// <summary>The key was deleted or purged (<c>"DELETE"</c>); the value is empty.</summary>
    Delete,
}

/// <summary>One shared-context entry (the reference's <c>KVEntry</c>): key, raw value, revision and operation.</summary>
/// <param name="Key">The key in <c>mesh-context</c>.</param>
/// <param name="Value">The value bytes as stored (empty for deletes). The mesh wraps nothing around values.</param>
/// <param name="Revision">The entry's revision (the stream sequence); pass it to <see cref="MeshKeyValue.CasAsync(string, string, ulong, CancellationToken)"/>.</param>
/// <param name="Operation">Put or delete.</param>
public sealed record KvEntry(string Key, ReadOnlyMemory<byte> Value, ulong Revision, KvOperation Operation)
{
    /// <summary>The value decoded as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString(Value.Span);

    /// <summary>The operation as the reference writes it: <c>PUT</c> or <c>DELETE</c>.</summary>
    public string OperationName => Operation == KvOperation.Put ? "PUT" : "DELETE";

    /// <summary>Deserializes the value as JSON with <paramref name="options"/> or <see cref="MeshJson.Options"/>; default for a delete.</summary>
    public T? Deserialize<T>(JsonSerializerOptions? options = null) =>
        Operation == KvOperation.Delete || Value.IsEmpty ? default : JsonSerializer.Deserialize<T>(Value.Span, options ?? MeshJson.Options);
}
