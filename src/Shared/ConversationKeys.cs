using System.Text;

namespace OamOrleans.Nats;

/// <summary>
/// The NATS grain storage's keys of conversation state, <c>{service}.{oam.agent}.{conversation}.conversation</c> with each
/// segment escaped (the layout <c>NatsGrainStorageKeys</c> writes for a conversational agent's grain). One source file
/// linked into the readers that must agree with that writer: the conversation store (list, show, delete) and the
/// runtime's expiry sweep.
/// </summary>
internal static class ConversationKeys
{
    /// <summary>The grain-state name a conversational agent stores its conversation under.</summary>
    public const string StateName = "conversation";

    /// <summary>The keys of <paramref name="agent"/>'s conversations start with this.</summary>
    public static string Prefix(string serviceId, string agent) => Encode(serviceId) + "." + Encode("oam." + agent) + ".";

    /// <summary>A KV key filter matching every conversation of <paramref name="agent"/>.</summary>
    public static string Filter(string serviceId, string agent) => Prefix(serviceId, agent) + "*." + StateName;

    /// <summary>The key of one conversation.</summary>
    public static string Key(string serviceId, string agent, string conversationId) =>
        Prefix(serviceId, agent) + Encode(conversationId) + "." + StateName;

    private static string Encode(string text) => KvKeySegment.Encode(Encoding.UTF8.GetBytes(text));
}
