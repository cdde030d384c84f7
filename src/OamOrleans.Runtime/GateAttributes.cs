using System.Text;
using System.Text.Json;

namespace OamOrleans;

/// <summary>
/// Decides whether a lifecycle gate (<see cref="ActiveWhenAttribute"/>) is open from the latest value seen: the KV value
/// (null when the key was deleted) of <see cref="ActiveWhenAttribute.Kv"/>, the message payload of <see cref="ActiveWhenAttribute.Subject"/>.
/// Implementations need a public parameterless constructor; <see cref="IsOpen"/> must be fast and must not throw
/// (an exception counts as closed).
/// </summary>
public interface IGateCondition
{
    /// <summary>Whether the gate is open for the latest value.</summary>
    /// <param name="value">The KV value or message payload; null when the KV key was deleted or never set.</param>
    bool IsOpen(ReadOnlyMemory<byte>? value);
}

/// <summary>
/// The default condition: open when the value is JSON-truthy — <c>true</c>, a non-zero number, a non-empty string,
/// array or object — or, when it is not JSON, the text <c>true</c>, <c>on</c>, <c>yes</c>, <c>open</c> or <c>1</c>
/// (case-insensitive). Missing, deleted, empty, <c>null</c>, <c>false</c>, <c>0</c>, <c>""</c>, <c>[]</c>, <c>{}</c> are closed.
/// </summary>
internal sealed class JsonTruthyCondition : IGateCondition
{
    /// <inheritdoc/>
    public bool IsOpen(ReadOnlyMemory<byte>? value)
    {
        if (value is not { Length: > 0 } bytes)
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            return root.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.Number => root.GetDouble() != 0,
                JsonValueKind.String => root.GetString()!.Length > 0,
                JsonValueKind.Array => root.GetArrayLength() > 0,
                JsonValueKind.Object => root.EnumerateObject().Any(),
                _ => false,
            };
        }
        catch (JsonException)
        {
            var text = Encoding.UTF8.GetString(bytes.Span).Trim();
            return text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("on", StringComparison.OrdinalIgnoreCase) ||
                text.Equals("yes", StringComparison.OrdinalIgnoreCase) || text.Equals("open", StringComparison.OrdinalIgnoreCase) || text == "1";
        }
    }
}

/// <summary>Open when the value, as UTF-8 text (or as a JSON string, unquoted), equals <see cref="Expected"/> (ordinal).</summary>
internal sealed class ValueEqualsCondition(string expected) : IGateCondition
{
    /// <summary>The text that opens the gate.</summary>
    public string Expected { get; } = expected;

    /// <inheritdoc/>
    public bool IsOpen(ReadOnlyMemory<byte>? value)
    {
        if (value is not { } bytes)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes.Span);
        if (text == Expected)
        {
            return true;
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes);
            return doc.RootElement.ValueKind == JsonValueKind.String && doc.RootElement.GetString() == Expected;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>
/// Gates the agent on a shared condition (the reference's <c>active_when</c>, §7.3): set exactly one of <see cref="Kv"/>
/// (a key of the shared context bucket <c>mesh-context</c>, the reference's <c>kv_condition</c>) or <see cref="Subject"/>
/// (a core NATS control subject, the reference's <c>subject_condition</c>). Each KV put, or each control message's payload,
/// goes to the condition (a KV delete passes null) and the gate follows the latest answer.
/// </summary>
/// <remarks>
/// While the gate is closed the agent stays in the catalog and registry but its bridge is not subscribed to
/// <c>mesh.agent.{name}</c>: callers get no responders, which the client reports as <c>not_available</c>; its sources
/// (and a publisher's generator) are stopped. When the gate opens the silo subscribes again, starts the sources and
/// publishes <c>agent_activated</c> on <c>mesh.logs.{name}</c>. When it closes the silo leaves the queue group, waits up to
/// <see cref="DrainTimeoutSeconds"/> for the requests already running, stops the sources and publishes
/// <c>agent_deactivated</c>.
/// Mapping onto Orleans: every silo hosting the agent follows the gate on its own (a KV watch, or a plain — not queue
/// group — subscription to the control subject), so all silos see the same values and open and close together.
/// Requests still running after the drain timeout are not cancelled: the silo only stops waiting for them, they run to
/// their end, and their late replies still reach callers.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ActiveWhenAttribute : Attribute
{
    /// <summary>The key in <c>mesh-context</c> (no wildcards) whose value opens the gate. The current value is read at start-up.</summary>
    public string? Kv { get; init; }

    /// <summary>The control subject (wildcards allowed) whose messages open and close the gate.</summary>
    public string? Subject { get; init; }

    /// <summary>
    /// The <see cref="IGateCondition"/> type that decides (public parameterless constructor). Default null:
    /// <see cref="WhenEquals"/> when set, else JSON-truthy (<c>true</c>, a non-zero number, a non-empty string, array or
    /// object; as plain text <c>true</c>, <c>on</c>, <c>yes</c>, <c>open</c> or <c>1</c>).
    /// </summary>
    public Type? Condition { get; init; }

    /// <summary>Shortcut condition: open when the value, as text or as a JSON string, equals this text (ordinal).</summary>
    public string? WhenEquals { get; init; }

    /// <summary>Whether the gate is open before any value has been seen (the KV key is missing, or no control message yet). Default false.</summary>
    public bool Initial { get; init; }

    /// <summary>How long a closing gate waits for in-flight requests. Default 30 s.</summary>
    public double DrainTimeoutSeconds { get; init; } = 30;

    /// <summary>Checks the declaration of <paramref name="agentClass"/> and builds the condition it describes.</summary>
    /// <exception cref="ArgumentException">Neither or both of <see cref="Kv"/> and <see cref="Subject"/> are set, the one set is blank, or the condition type is unusable.</exception>
    internal IGateCondition CreateCondition(Type agentClass)
    {
        if ((Kv is null) == (Subject is null) || string.IsNullOrWhiteSpace(Kv ?? Subject))
        {
            throw new ArgumentException(
                $"Agent class {agentClass.FullName}: [ActiveWhen] needs exactly one of Kv (a key of mesh-context) or Subject (a control subject), not blank.",
                nameof(agentClass));
        }

        if (Condition is { } type)
        {
            if (!typeof(IGateCondition).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new ArgumentException($"Gate condition {type.FullName} must implement IGateCondition and have a public parameterless constructor.", nameof(agentClass));
            }

            return (IGateCondition)Activator.CreateInstance(type)!;
        }

        return WhenEquals is { } expected ? new ValueEqualsCondition(expected) : new JsonTruthyCondition();
    }
}
