using System.Text;
using System.Text.Json;

namespace OamOrleans;

/// <summary>
/// Decides whether a lifecycle gate is open from the latest value seen: the KV value (null when the key was deleted)
/// for <see cref="ActiveWhenKvAttribute"/>, the message payload for <see cref="ActiveWhenSubjectAttribute"/>.
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

/// <summary>Shared settings of the two lifecycle gate attributes (the reference's <c>active_when</c>, §7.3).</summary>
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
public abstract class ActiveWhenAttribute : Attribute
{
    private protected ActiveWhenAttribute()
    {
    }

    /// <summary>
    /// The <see cref="IGateCondition"/> type that decides (public parameterless constructor). Default null:
    /// <see cref="WhenEquals"/> when set, else <see cref="JsonTruthyCondition"/>.
    /// </summary>
    public Type? Condition { get; init; }

    /// <summary>Shortcut for <see cref="ValueEqualsCondition"/>: open when the value equals this text.</summary>
    public string? WhenEquals { get; init; }

    /// <summary>Whether the gate is open before any value has been seen (the KV key is missing, or no control message yet). Default false.</summary>
    public bool Initial { get; init; }

    /// <summary>How long a closing gate waits for in-flight requests. Default 30 s.</summary>
    public double DrainTimeoutSeconds { get; init; } = 30;

    /// <summary>Builds the condition this attribute describes.</summary>
    internal IGateCondition CreateCondition()
    {
        if (Condition is { } type)
        {
            if (!typeof(IGateCondition).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new ArgumentException($"Gate condition {type.FullName} must implement IGateCondition and have a public parameterless constructor.");
            }

            return (IGateCondition)Activator.CreateInstance(type)!;
        }

        return WhenEquals is { } expected ? new ValueEqualsCondition(expected) : new JsonTruthyCondition();
    }
}

/// <summary>
/// Gates the agent on a key of the shared context bucket <c>mesh-context</c> (the reference's
/// <c>kv_condition(key, predicate, initial=False, drain_timeout=30)</c>). The current value is read at start-up; each
/// put is passed to the condition, and a delete passes null.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ActiveWhenKvAttribute : ActiveWhenAttribute
{
    /// <summary>Gates the agent on <paramref name="key"/> of <c>mesh-context</c> with the default condition (<see cref="JsonTruthyCondition"/>, or <see cref="ValueEqualsCondition"/> when <c>WhenEquals</c> is set).</summary>
    public ActiveWhenKvAttribute(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        Key = key;
    }

    /// <param name="key">The key in <c>mesh-context</c>.</param>
    /// <param name="condition">The <see cref="IGateCondition"/> type that decides.</param>
    public ActiveWhenKvAttribute(string key, Type condition)
        : this(key) => Condition = condition;

    /// <summary>The key in <c>mesh-context</c> (no wildcards).</summary>
    public string Key { get; }
}

/// <summary>
/// Gates the agent on messages of a core NATS subject (the reference's
/// <c>subject_condition(subject, predicate, initial=False, drain_timeout=30)</c>): each message's payload is passed to
/// the condition, and the gate follows the latest answer.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ActiveWhenSubjectAttribute : ActiveWhenAttribute
{
    /// <summary>Gates the agent on messages of <paramref name="subject"/> with the default condition (<see cref="JsonTruthyCondition"/>, or <see cref="ValueEqualsCondition"/> when <c>WhenEquals</c> is set).</summary>
    public ActiveWhenSubjectAttribute(string subject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        Subject = subject;
    }

    /// <param name="subject">The control subject.</param>
    /// <param name="condition">The <see cref="IGateCondition"/> type that decides.</param>
    public ActiveWhenSubjectAttribute(string subject, Type condition)
        : this(subject) => Condition = condition;

    /// <summary>The control subject (wildcards allowed).</summary>
    public string Subject { get; }
}
