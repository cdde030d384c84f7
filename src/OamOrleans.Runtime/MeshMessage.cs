namespace OamOrleans;

/// <summary>
/// A message delivered by a <see cref="SubjectSourceAttribute"/> source with its envelope (the reference's
/// <c>MeshMessage[T]</c>): the subject it arrived on, its headers and its payload as <typeparamref name="T"/>.
/// </summary>
/// <param name="Subject">The concrete subject the message was published on.</param>
/// <param name="Headers">The message headers (first value of each), empty when it had none.</param>
/// <param name="Payload">The payload: raw for <c>byte[]</c> / <c>ReadOnlyMemory&lt;byte&gt;</c>, text for <c>string</c> (a JSON string is unquoted), else JSON-deserialized.</param>
public sealed record MeshMessage<T>(string Subject, IReadOnlyDictionary<string, string> Headers, T Payload);
