namespace OamOrleans.Client;

/// <summary>
/// TLS settings of a mesh connection (the reference's <c>tls_cert</c>, <c>tls_key</c>, <c>tls_ca</c>): a CA file to trust
/// the server, and a client certificate and key for servers that verify clients (mutual TLS).
/// </summary>
public sealed record MeshTls
{
    /// <summary>PEM client certificate (mutual TLS).</summary>
    public string? CertFile { get; init; }

    /// <summary>PEM key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>PEM CA bundle that signed the server's certificate.</summary>
    public string? CaFile { get; init; }

    /// <summary>From files given as options or, when null, from <c>OAM_TLS_CERT</c>, <c>OAM_TLS_KEY</c> and <c>OAM_TLS_CA</c>.</summary>
    public static MeshTls? Resolve(string? certFile = null, string? keyFile = null, string? caFile = null)
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        var tls = new MeshTls
        {
            CertFile = certFile ?? Env("OAM_TLS_CERT"),
            KeyFile = keyFile ?? Env("OAM_TLS_KEY"),
            CaFile = caFile ?? Env("OAM_TLS_CA"),
        };
        if ((tls.CertFile is null) != (tls.KeyFile is null))
        {
            throw new ArgumentException("A TLS client certificate needs its key and a key needs its certificate (OAM_TLS_CERT and OAM_TLS_KEY).");
        }

        foreach (var file in new[] { tls.CertFile, tls.KeyFile, tls.CaFile })
        {
            if (file is not null && !File.Exists(file))
            {
                throw new FileNotFoundException($"TLS file not found: {file}", file);
            }
        }

        return tls.CertFile is null && tls.CaFile is null ? null : tls;
    }
}
