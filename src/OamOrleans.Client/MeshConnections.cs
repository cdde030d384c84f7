using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Client;

/// <summary>Options of NATS connections to the mesh: credentials and TLS for all, <c>oam-host-{instance_id}</c> names for hosts.</summary>
internal static class MeshConnections
{
    /// <summary>A host's connection: <see cref="MeshEndpoint.ToNatsOpts"/> named <c>oam-host-{instance_id}</c>.</summary>
    public static NatsOpts Options(MeshEndpoint endpoint, string instanceId) => endpoint.ToNatsOpts(MeshSubjects.ConnectionName(instanceId));

    /// <summary>What every connection to the mesh needs, whoever opens it: URL, credentials file and TLS files.</summary>
    public static NatsOpts Base(string url, string? credsFile, MeshTls? tls) => NatsOpts.Default with
    {
        Url = url,
        AuthOpts = credsFile is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { CredsFile = credsFile },
        TlsOpts = TlsOptions(tls),
    };

    /// <summary>Every credential of <paramref name="endpoint"/>: creds file, NKey seed file, token (user/password ride in the URL), TLS; its inbox prefix.</summary>
    public static NatsOpts Base(MeshEndpoint endpoint) => Base(endpoint.Url, endpoint.CredsFile, endpoint.Tls) with
    {
        AuthOpts = Auth(endpoint.CredsFile, endpoint.NKeySeedFile, endpoint.Token),
        // A user minted with --private-inbox may only use the prefix recorded next to its creds file.
        InboxPrefix = endpoint.InboxPrefix ?? MeshInboxFile.Read(endpoint.CredsFile) ?? NatsOpts.Default.InboxPrefix,
    };

    /// <summary>NATS.Net auth options for the given credentials (each optional).</summary>
    public static NatsAuthOpts Auth(string? credsFile, string? nkeySeedFile, string? token)
    {
        var auth = NatsAuthOpts.Default with { CredsFile = credsFile, Token = token };
        if (nkeySeedFile is null)
        {
            return auth;
        }

        // A plain seed file (as `nk -gen user` writes it) holds the seed only; NATS.Net's NKeyFile also wants the public
        // key in it, so the public key is derived here from the seed.
        var seed = ReadSeed(nkeySeedFile);
        using var pair = NATS.NKeys.KeyPair.FromSeed(seed);
        return auth with { NKey = pair.GetPublicKey(), Seed = seed };
    }

    /// <summary>The first <c>SU…</c> line of a seed file (a bare seed file, or a .creds-like one).</summary>
    /// <exception cref="ArgumentException">The file is missing or holds no user seed (the message names the file, never its content).</exception>
    private static string ReadSeed(string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"NKey seed file not found: {path} (OAM_NKEY_SEED_FILE)");
        }

        return File.ReadLines(path).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("SU", StringComparison.Ordinal))
            ?? throw new ArgumentException($"NKey seed file {path} holds no user seed (a line starting with SU)");
    }

    /// <summary>NATS.Net TLS options for <paramref name="tls"/>: TLS required when any file is given, else as the URL says.</summary>
    public static NatsTlsOpts TlsOptions(MeshTls? tls) => tls is null
        ? NatsTlsOpts.Default
        : NatsTlsOpts.Default with { CertFile = tls.CertFile, KeyFile = tls.KeyFile, CaFile = tls.CaFile, Mode = TlsMode.Require };

    /// <summary>
    /// Opens <paramref name="connection"/> to <paramref name="endpoint"/>, failing as <see cref="Failure"/> says; the
    /// connection is the caller's to dispose (or to open again) when this throws.
    /// </summary>
    /// <exception cref="ConnectionDeniedException">The server refused the credentials.</exception>
    /// <exception cref="ConnectionFailedException">The server could not be reached.</exception>
    public static async Task OpenAsync(NatsConnection connection, MeshEndpoint endpoint, CancellationToken ct)
    {
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (Failure(endpoint, e) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// The error of a connection to <paramref name="endpoint"/> that could not be opened (or set up): refused credentials
    /// as <see cref="ConnectionDeniedException"/>, any other NATS failure, a timeout or a socket error as
    /// <see cref="ConnectionFailedException"/>; null for anything else (a cancellation), which passes unchanged.
    /// </summary>
    public static MeshException? Failure(MeshEndpoint endpoint, Exception e) => e switch
    {
        NatsException when IsAuthFailure(e) => new ConnectionDeniedException(DeniedMessage(endpoint, e), innerException: e),
        NatsException or TimeoutException or IOException => Failed(endpoint, e),
        _ => null,
    };

    /// <summary>Whether a connect failure is the server refusing the credentials (authorization violation, revoked or expired user).</summary>
    public static bool IsAuthFailure(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x.Message.Contains("Authorization Violation", StringComparison.OrdinalIgnoreCase)
                || x.Message.Contains("Authentication", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The message of a refused connection: the redacted URL, which credential was used (never its content), the server's words.</summary>
    public static string DeniedMessage(MeshEndpoint endpoint, Exception e) =>
        $"The mesh at {MeshConnectWait.Redact(endpoint.Url)} refused the connection (credentials: {endpoint.CredentialDescription()}): {MeshConnectWait.Redact(Innermost(e).Message)}";

    /// <summary>The error of a connection that could not be opened: the redacted URL, which credential, NATS.Net's words (redacted).</summary>
    public static ConnectionFailedException Failed(MeshEndpoint endpoint, Exception e) =>
        new($"Cannot connect to the mesh at {MeshConnectWait.Redact(endpoint.Url)} (credentials: {endpoint.CredentialDescription()}): {MeshConnectWait.Redact(e.Message)}", innerException: e);

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

}
