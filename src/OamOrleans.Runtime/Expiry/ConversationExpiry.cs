using System.Globalization;
using System.Text.Json;

namespace OamOrleans.Expiry;

/// <summary>
/// The one rule of idle expiry, shared by the grain (logical expiry at the start of a turn) and the sweepers (deletion):
/// a conversation is expired when the time of its last turn, stored with its state as <c>oam_last_turn</c>, lies more
/// than its agent's <see cref="AgentAttribute.StateTtl"/> in the past. A state without that time never expires.
/// </summary>
internal static class ConversationExpiry
{
    /// <summary>The stored snapshot's property holding the time of the conversation's last turn (UTC, ISO 8601).</summary>
    public const string LastTurnProperty = "oam_last_turn";

    /// <summary>The shortest TTL accepted: below it, a conversation would expire between two turns of one exchange.</summary>
    public static readonly TimeSpan MinimumTtl = TimeSpan.FromSeconds(1);

    public static bool IsExpired(DateTimeOffset lastTurn, TimeSpan ttl, DateTimeOffset now) => now - lastTurn > ttl;

    /// <summary>Reads <see cref="AgentAttribute.StateTtl"/>; throws a message naming the agent when it is unusable.</summary>
    public static TimeSpan? ParseTtl(AgentAttribute attribute, Type agentClass, bool conversational)
    {
        if (attribute.StateTtl is not { } raw)
        {
            return null;
        }

        if (!conversational)
        {
            throw new ArgumentException(
                $"Agent '{attribute.Name}' ({agentClass.FullName}) declares StateTtl = \"{raw}\" but keeps no conversation state; only a ConversationalAgent<TIn,TOut,TState> can.",
                nameof(agentClass));
        }

        if (!TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var ttl) || ttl < MinimumTtl)
        {
            throw new ArgumentException(
                $"Agent '{attribute.Name}' ({agentClass.FullName}) declares StateTtl = \"{raw}\", which is not a time span of at least {MinimumTtl.TotalSeconds:0} second: write [d.]hh:mm:ss, for example \"7.00:00:00\" (7 days) or \"00:30:00\" (30 minutes).",
                nameof(agentClass));
        }

        return ttl;
    }

    /// <summary>
    /// The <c>oam_last_turn</c> of a stored snapshot, read without parsing the rest of the state (only the top-level
    /// property names are looked at); null when the state has none or is not a JSON object.
    /// </summary>
    public static DateTimeOffset? LastTurnOf(ReadOnlySpan<byte> snapshot)
    {
        try
        {
            var reader = new Utf8JsonReader(snapshot);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var found = reader.ValueTextEquals(LastTurnProperty);
                reader.Read();
                if (found)
                {
                    return reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var lastTurn) ? lastTurn : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON (another serializer's bytes): nothing the sweeper may judge.
        }

        return null;
    }
}
