using OamOrleans.Client;

namespace OamOrleans.AdminUi;

/// <summary>
/// Options of the admin UI. The UI's server side holds the only mesh connection: the browser talks to the server over
/// Blazor's circuit and never sees the URL's credentials, the creds file or the TLS key.
/// </summary>
public sealed class AdminUiOptions
{
    /// <summary>The default <see cref="MembershipBucket"/> (the NATS clustering provider's default).</summary>
    public const string DefaultMembershipBucket = "orleans-membership";

    /// <summary>The default <see cref="StateBucket"/> (the NATS grain storage's default).</summary>
    public const string DefaultStateBucket = "orleans-grain-state";

    /// <summary>
    /// The mesh and the credentials the UI's server side connects with (URL, creds file, NKey seed file, token, TLS files,
    /// inbox prefix). Default null: <see cref="MeshEndpoint.Resolve"/>, like the CLI (<c>OAM_URL</c>, <c>OAM_CREDS</c>, …,
    /// a <c>.oam-url</c> file, else <c>nats://localhost:4222</c>). A token is never shown in the UI or its logs.
    /// </summary>
    public MeshEndpoint? Endpoint { get; set; }

    /// <summary>KV bucket of the Orleans membership tables (Orleans view). Default <see cref="DefaultMembershipBucket"/>.</summary>
    public string MembershipBucket { get; set; } = DefaultMembershipBucket;

    /// <summary>KV bucket of conversation state (agent detail). Default <see cref="DefaultStateBucket"/>.</summary>
    public string StateBucket { get; set; } = DefaultStateBucket;

    /// <summary>Orleans service id, the first segment of every state key. Default <c>oam</c>.</summary>
    public string ServiceId { get; set; } = "oam";

    /// <summary>How often the registry re-reads the catalog. Default 2 s (the reference's).</summary>
    public TimeSpan CatalogPollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
