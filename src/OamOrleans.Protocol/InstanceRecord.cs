namespace OamOrleans.Protocol;

/// <summary>Value of <c>mesh-instances/{instance_id}</c>: <c>{"agents": [...]}</c>, sorted (§4.4).</summary>
public sealed record InstanceRecord(IReadOnlyList<string> Agents)
{
    /// <summary>The KV bucket of instance records, <c>mesh-instances</c>.</summary>
    public const string Bucket = "mesh-instances";

    /// <summary>The record as UTF-8 JSON, <c>{"agents":[...]}</c> with the names sorted.</summary>
    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartObject();
        JsonRead.WriteStrings(w, "agents", Agents.Order(StringComparer.Ordinal));
        w.WriteEndObject();
    });

    /// <summary>Reads a record leniently: anything that is not an object with an <c>agents</c> array reads as no agents.</summary>
    public static InstanceRecord Parse(ReadOnlySpan<byte> utf8) =>
        new(JsonRead.ParseObject(utf8) is { } obj ? JsonRead.Strings(obj, "agents") : []);
}
