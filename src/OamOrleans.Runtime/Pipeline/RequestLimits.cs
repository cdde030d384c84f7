using OamOrleans.Hosting;

namespace OamOrleans.Pipeline;

/// <summary>The size and time limits a request is held to (from <see cref="MeshHostOptions"/>).</summary>
internal readonly record struct RequestLimits(int? MaxRequestBytes, int MaxConversationIdLength, TimeSpan RequestTimeout, TimeSpan StreamTimeout)
{
    public static RequestLimits From(MeshHostOptions options) => new(options.MaxRequestBytes, options.MaxConversationIdLength, options.RequestTimeout, options.StreamTimeout);
}
