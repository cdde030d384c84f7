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

    /// <summary>Mesh URL; null resolves it like the CLI (<c>OAM_URL</c>, <c>.oam-url</c>, <c>nats://localhost:4222</c>).</summary>
    public string? Url { get; set; }

    /// <summary>NATS <c>.creds</c> file; null resolves it like the CLI (<c>OAM_CREDS</c>, <c>.oam-url</c>).</summary>
    public string? CredsFile { get; set; }

    /// <summary>A file holding a user NKey seed; null reads <c>OAM_NKEY_SEED_FILE</c>.</summary>
    public string? NKeySeedFile { get; set; }

    /// <summary>A server token; null reads <c>OAM_TOKEN</c>. Never shown in the UI or its logs.</summary>
    public string? Token { get; set; }

    /// <summary>TLS files for the mesh connection; null reads <c>OAM_TLS_CERT</c> / <c>OAM_TLS_KEY</c> / <c>OAM_TLS_CA</c>.</summary>
    public MeshTls? Tls { get; set; }

    /// <summary>KV bucket of the Orleans membership tables (Orleans view). Default <see cref="DefaultMembershipBucket"/>.</summary>
    public string MembershipBucket { get; set; } = DefaultMembershipBucket;

    /// <summary>KV bucket of conversation state (agent detail). Default <see cref="DefaultStateBucket"/>.</summary>
    public string StateBucket { get; set; } = DefaultStateBucket;

    /// <summary>Orleans service id, the first segment of every state key. Default <c>oam</c>.</summary>
    public string ServiceId { get; set; } = "oam";

    /// <summary>How often the registry re-reads the catalog. Default 2 s (the reference's).</summary>
    public TimeSpan CatalogPollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
