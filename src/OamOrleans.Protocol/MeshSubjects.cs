namespace OamOrleans.Protocol;

/// <summary>Builds the OpenAgentMesh subjects (protocol §2). Names are not validated here; see <see cref="AgentName"/>.</summary>
public static class MeshSubjects
{
    /// <summary>Prefix of invocation subjects: <c>mesh.agent.{name}</c>.</summary>
    public const string AgentPrefix = "mesh.agent.";
    /// <summary>Prefix of death notices: <c>mesh.death.{name}</c>, published when an agent's last instance goes away.</summary>
    public const string DeathPrefix = "mesh.death.";
    /// <summary>Prefix of the live error feed: <c>mesh.errors.{name}</c> carries every agent-side error envelope (not persisted).</summary>
    public const string ErrorsPrefix = "mesh.errors.";
    /// <summary>Prefix of structured agent logs: <c>mesh.logs.{name}</c>.</summary>
    public const string LogsPrefix = "mesh.logs.";
    /// <summary>Prefix of heartbeats: <c>mesh.health.{name}</c> (reserved by the reference; <see cref="HealthBeat"/> is our extension).</summary>
    public const string HealthPrefix = "mesh.health.";
    /// <summary>Prefix of stream frame subjects: <c>mesh.stream.{request id}</c>.</summary>
    public const string StreamPrefix = "mesh.stream.";
    /// <summary>Prefix of managed <c>send</c> results: <c>mesh.results.{request id}</c>.</summary>
    public const string ResultsPrefix = "mesh.results.";
    /// <summary>The server's client-disconnect advisory, any account: the health monitor turns a host's disconnect into death notices.</summary>
    public const string SysDisconnect = "$SYS.ACCOUNT.*.DISCONNECT";

    /// <summary><c>mesh.agent.{name}</c>: invocation subject.</summary>
    public static string Agent(string name) => AgentPrefix + name;

    /// <summary><c>q.{name}</c>: the queue group every replica of an agent joins.</summary>
    public static string QueueGroup(string name) => "q." + name;

    /// <summary><c>mesh.agent.{name}.events</c>: a publisher's event subject.</summary>
    public static string Events(string name) => AgentPrefix + name + ".events";

    /// <summary><c>mesh.agent.{channel}.&gt;</c>: everything under a channel.</summary>
    public static string ChannelWildcard(string channel) => AgentPrefix + channel + ".>";

    /// <summary><c>mesh.stream.{requestId}</c>: where a stream's chunks, end frame and error frame go.</summary>
    public static string Stream(string requestId) => StreamPrefix + requestId;

    /// <summary><c>mesh.results.{requestId}</c>: where the reply to a managed <c>send</c> goes.</summary>
    public static string Results(string requestId) => ResultsPrefix + requestId;

    /// <summary><c>mesh.errors.{name}</c>: the agent's live error feed.</summary>
    public static string Errors(string name) => ErrorsPrefix + name;

    /// <summary><c>mesh.death.{name}</c>: the agent's death notices; callers in flight fail with <c>agent_died</c>.</summary>
    public static string Death(string name) => DeathPrefix + name;

    /// <summary><c>mesh.logs.{name}</c>: the agent's structured log events.</summary>
    public static string Logs(string name) => LogsPrefix + name;

    /// <summary><c>mesh.health.{name}</c>: each hosting instance's periodic <see cref="HealthBeat"/> for the agent.</summary>
    public static string Health(string name) => HealthPrefix + name;

    /// <summary>The NATS connection name every OAM process uses, which the health monitor relies on.</summary>
    public static string ConnectionName(string instanceId) => "oam-host-" + instanceId;
}
