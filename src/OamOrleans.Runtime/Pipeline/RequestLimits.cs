using OamOrleans.Hosting;

namespace OamOrleans.Pipeline;

/// <summary>The size limits a request is checked against (from <see cref="MeshHostOptions"/>).</summary>
internal readonly record struct RequestLimits(int? MaxRequestBytes, int MaxConversationIdLength)
{
    /// <summary>The defaults of <see cref="MeshHostOptions"/>, for a grain activated in a silo that is not a mesh host.</summary>
    public static RequestLimits Default { get; } = From(new MeshHostOptions());

    public static RequestLimits From(MeshHostOptions options) => new(options.MaxRequestBytes, options.MaxConversationIdLength);
}
