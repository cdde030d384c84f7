namespace OamOrleans;

/// <summary>What this silo serves on the mesh: its instance id, NATS URL and hosted agent names.</summary>
public interface IMeshHost
{
    /// <summary>uuid hex; the NATS connection is named <c>oam-host-{InstanceId}</c>.</summary>
    string InstanceId { get; }

    string Url { get; }

    IReadOnlyList<string> Agents { get; }
}
