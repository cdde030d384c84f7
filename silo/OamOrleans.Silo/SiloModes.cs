namespace OamOrleans.Silo;

/// <summary>Where the silos find each other (<c>Oam:Clustering</c> / <c>OAM_CLUSTERING</c>).</summary>
internal enum SiloClustering
{
    /// <summary>One machine, no shared membership (development).</summary>
    Localhost,

    /// <summary>Membership in JetStream KV: any number of silos on one NATS.</summary>
    Nats,
}

/// <summary>Where conversation state lives (<c>Oam:Storage</c> / <c>OAM_STORAGE</c>).</summary>
internal enum SiloStorage
{
    /// <summary>Memory: the silo's own with localhost clustering, Orleans' storage grains with NATS clustering.</summary>
    Memory,

    /// <summary>JetStream KV: outlives every silo.</summary>
    Nats,
}

/// <summary>How the web port guards the admin UI, MCP and the dashboard (<c>Oam:HttpAuth</c> / <c>OAM_HTTP_AUTH</c>).</summary>
internal enum SiloHttpAuth
{
    /// <summary>A bearer token (or the login page's cookie) read from <c>OAM_HTTP_TOKEN_FILE</c>.</summary>
    Token,

    /// <summary>Open on purpose (a private network or an authenticating proxy in front).</summary>
    None,
}
