namespace OamOrleans;

/// <summary>What this silo serves on the mesh: its instance id, NATS URL and hosted agent names.</summary>
public interface IMeshHost
{
    /// <summary>uuid hex; the NATS connection is named <c>oam-host-{InstanceId}</c>.</summary>
    string InstanceId { get; }

    /// <summary>The NATS URL the silo's bridge is connected to (credentials redacted).</summary>
    string Url { get; }

    /// <summary>The names of the agents this silo hosts (and registered in the catalog).</summary>
    IReadOnlyList<string> Agents { get; }
}
