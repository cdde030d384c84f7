namespace OamOrleans.Protocol;

/// <summary>Builds the OpenAgentMesh subjects (protocol §2). Names are not validated here; see <see cref="AgentName"/>.</summary>
public static class MeshSubjects
{
    public const string AgentPrefix = "mesh.agent.";
    public const string DeathPrefix = "mesh.death.";
    public const string ErrorsPrefix = "mesh.errors.";
    public const string LogsPrefix = "mesh.logs.";
    public const string StreamPrefix = "mesh.stream.";
    public const string ResultsPrefix = "mesh.results.";
    public const string SysDisconnect = "$SYS.ACCOUNT.*.DISCONNECT";

    /// <summary><c>mesh.agent.{name}</c>: invocation subject.</summary>
    public static string Agent(string name) => AgentPrefix + name;

    /// <summary><c>q.{name}</c>: the queue group every replica of an agent joins.</summary>
    public static string QueueGroup(string name) => "q." + name;

    /// <summary><c>mesh.agent.{name}.events</c>: a publisher's event subject.</summary>
    public static string Events(string name) => AgentPrefix + name + ".events";

    /// <summary><c>mesh.agent.{channel}.&gt;</c>: everything under a channel.</summary>
    public static string ChannelWildcard(string channel) => AgentPrefix + channel + ".>";

    public static string Stream(string requestId) => StreamPrefix + requestId;

    public static string Results(string requestId) => ResultsPrefix + requestId;

    public static string Errors(string name) => ErrorsPrefix + name;

    public static string Death(string name) => DeathPrefix + name;

    public static string Logs(string name) => LogsPrefix + name;

    /// <summary>The NATS connection name every OAM process uses, which the health monitor relies on.</summary>
    public static string ConnectionName(string instanceId) => "oam-host-" + instanceId;
}
