namespace OamOrleans.Protocol;

/// <summary>Value of <c>mesh-instances/{instance_id}</c>: <c>{"agents": [...]}</c>, sorted (§4.4).</summary>
public sealed record InstanceRecord(IReadOnlyList<string> Agents)
{
    public const string Bucket = "mesh-instances";

    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartObject();
        JsonRead.WriteStrings(w, "agents", Agents.Order(StringComparer.Ordinal));
        w.WriteEndObject();
    });

    public static InstanceRecord Parse(ReadOnlySpan<byte> utf8) =>
        new(JsonRead.ParseObject(utf8) is { } obj ? JsonRead.Strings(obj, "agents") : []);
}
