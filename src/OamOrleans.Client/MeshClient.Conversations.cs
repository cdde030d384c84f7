namespace OamOrleans.Client;

public sealed partial class MeshClient
{
    /// <summary>The stored conversations of conversational agents (list, show, delete) on this client's server.</summary>
    /// <param name="options">Where the silos keep conversation state; null for the defaults (<c>orleans-grain-state</c>, service <c>oam</c>).</param>
    public MeshConversations Conversations(ConversationStoreOptions? options = null) => new(Connection, options);
}
