namespace OamOrleans.Client;

/// <summary>
/// A typed shared-context entry (the reference's <c>KVEntry[T]</c>): key, value as <typeparamref name="T"/>, revision
/// and operation. <see cref="Value"/> is default for a delete.
/// </summary>
/// <param name="Key">The key in <c>mesh-context</c>.</param>
/// <param name="Value">The value (default for <see cref="KvOperation.Delete"/>).</param>
/// <param name="Revision">The entry's revision.</param>
/// <param name="Operation">Put or delete.</param>
public sealed record KvEntry<T>(string Key, T? Value, ulong Revision, KvOperation Operation)
{
    /// <summary>The operation as the reference writes it: <c>PUT</c> or <c>DELETE</c>.</summary>
    public string OperationName => Operation == KvOperation.Put ? "PUT" : "DELETE";
}
