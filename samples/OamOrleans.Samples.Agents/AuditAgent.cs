using System.Text.Json;
using Microsoft.Extensions.Logging;
using OamOrleans.Client;

namespace OamOrleans.Samples.Agents;

/// <summary>
/// <c>demo.audit</c>: a source-only agent (in the catalog as neither invocable nor streaming, nobody calls it). It
/// handles every message published under <c>audit.&gt;</c> — split across the silos by the queue group, so each message
/// is written once per cluster. Try: <c>nats pub audit.login '{"user":"ada"}'</c> (or <c>MeshClient.PublishAsync</c>).
/// </summary>
[Agent("demo.audit", Description = "Writes audit messages and settings changes to the silo log (a source-only agent).", Tags = ["demo"])]
[SubjectSource("audit.>", QueueGroup = "demo.audit")]
public sealed partial class AuditAgent(ILogger<AuditAgent> logger) : SourceAgent<MeshMessage<JsonElement>>
{
    protected override Task HandleAsync(MeshMessage<JsonElement> input, AgentContext context)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var payload = input.Payload.GetRawText();
            LogAudit(logger, input.Subject, payload);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "audit {Subject}: {Payload}")]
    private static partial void LogAudit(ILogger logger, string subject, string payload);
}

/// <summary>
/// <c>demo.settings</c>: follows the shared-context keys <c>settings.*</c> (current values first, then changes and deletes;
/// every silo runs its own watch). Try: <c>oam kv put settings.theme dark</c>.
/// </summary>
[Agent("demo.settings", Description = "Logs changes of the settings.* keys in mesh-context (a KV source).", Tags = ["demo"])]
[KvSource("settings.*", Replay = true)]
public sealed partial class SettingsWatchAgent(ILogger<SettingsWatchAgent> logger) : SourceAgent<KvEntry<string>>
{
    protected override Task HandleAsync(KvEntry<string> input, AgentContext context)
    {
        LogChange(logger, input.OperationName, input.Key, input.Value ?? "", input.Revision);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "settings {Operation} {Key} = {Value} (revision {Revision})")]
    private static partial void LogChange(ILogger logger, string operation, string key, string value, ulong revision);
}
