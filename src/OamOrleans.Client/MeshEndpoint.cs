namespace OamOrleans.Client;

/// <summary>
/// Where the mesh is and which credentials to use, resolved like the reference (§8):
/// URL from the argument, <c>OAM_URL</c>, a <c>.oam-url</c> file found walking up from the working directory,
/// else <c>nats://localhost:4222</c>; credentials from the argument, <c>OAM_CREDS</c>, the <c>.oam-url</c> file, else none.
/// The one connection model of OamOrleans: hosts (<c>MeshHostOptions.Endpoint</c>), clients
/// (<see cref="MeshClientOptions.Endpoint"/>), the NATS storage, clustering and reminder providers, the admin UI and the
/// CLI all take one. Binds from configuration (<c>Url</c>, <c>CredsFile</c>, <c>NKeySeedFile</c>, <c>Token</c>,
/// <c>InboxPrefix</c>, <c>Tls:CertFile</c>, …).
/// </summary>
/// <param name="Url">The NATS URL (comma-separate several servers of one cluster); <c>nats://user:password@host</c> is accepted and never shown.</param>
/// <param name="CredsFile">A NATS <c>.creds</c> file; none when null.</param>
public sealed partial record MeshEndpoint(string Url, string? CredsFile = null)
{
    /// <summary>Client certificate, key and CA for TLS or mutual TLS; null connects as the URL says (<c>tls://</c> or plain).</summary>
    public MeshTls? Tls { get; init; }

    /// <summary>A file holding a user NKey seed (<c>SU…</c>), for servers with <c>nkey</c> users; <c>OAM_NKEY_SEED_FILE</c> by default.</summary>
    public string? NKeySeedFile { get; init; }

    /// <summary>A token for servers with <c>authorization { token }</c>; <c>OAM_TOKEN</c> by default. Never logged or printed.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// The prefix of this connection's inboxes (reply subjects). When null, the prefix <c>oam auth user add --private-inbox</c>
    /// recorded next to <see cref="CredsFile"/> (<see cref="InboxFileFor"/>), else <c>_INBOX</c>. <see cref="Resolve"/>
    /// reads <c>OAM_INBOX_PREFIX</c>, else that file.
    /// </summary>
    public string? InboxPrefix { get; init; }

    /// <summary>Which credential a connection presents, for errors and logs: paths and user names, never a secret.</summary>
    public string CredentialDescription()
    {
        var parts = new List<string>();
        if (CredsFile is not null)
        {
            parts.Add($"creds file {CredsFile}");
        }

        if (NKeySeedFile is not null)
        {
            parts.Add($"NKey seed file {NKeySeedFile}");
        }

        if (Token is not null)
        {
            parts.Add("a token (OAM_TOKEN)");
        }

        if (UrlUser(Url) is { } user)
        {
            parts.Add(user.Contains(':', StringComparison.Ordinal) ? $"user '{user[..user.IndexOf(':', StringComparison.Ordinal)]}' with the password in the URL" : "the token in the URL");
        }

        if (Tls?.CertFile is { } cert)
        {
            parts.Add($"TLS client certificate {cert}");
        }

        return parts.Count == 0 ? "no credentials" : string.Join(", ", parts);
    }

    /// <summary>The URL with any password or token replaced by <c>***</c>, and the credentials described, never shown.</summary>
    public override string ToString() => $"{MeshConnectWait.Redact(Url)} ({CredentialDescription()})";

    private static string? UrlUser(string url)
    {
        foreach (var one in url.Split(','))
        {
            if (Uri.TryCreate(one.Trim(), UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
            {
                return Uri.UnescapeDataString(uri.UserInfo);
            }
        }

        return null;
    }

    /// <summary>The URL used when nothing else names one: a local server on the default port.</summary>
    public const string DefaultUrl = "nats://localhost:4222";
    /// <summary>The file <c>oam mesh up</c> writes next to the mesh it started, and that <see cref="Resolve"/> looks for.</summary>
    public const string UrlFileName = ".oam-url";

    /// <summary>
    /// The endpoint to connect to, first match wins: <paramref name="url"/>, then <c>OAM_URL</c>, then the nearest
    /// <c>.oam-url</c> file in <paramref name="startDirectory"/> (default: the current directory) or a parent, then
    /// <see cref="DefaultUrl"/>. Credentials come from <paramref name="creds"/>, <c>OAM_CREDS</c> or the file; an NKey seed
    /// file and a token from <c>OAM_NKEY_SEED_FILE</c> and <c>OAM_TOKEN</c>; TLS files from <c>OAM_TLS_CERT</c>,
    /// <c>OAM_TLS_KEY</c> and <c>OAM_TLS_CA</c>; the inbox prefix from <c>OAM_INBOX_PREFIX</c>, else the one recorded next to
    /// the creds file.
    /// </summary>
    /// <exception cref="ArgumentException">A TLS certificate without its key, or a key without its certificate.</exception>
    /// <exception cref="FileNotFoundException">A TLS file named by <c>OAM_TLS_*</c> does not exist.</exception>
    public static MeshEndpoint Resolve(string? url = null, string? creds = null, string? startDirectory = null)
    {
        var file = FindUrlFile(startDirectory ?? Directory.GetCurrentDirectory());
        var fromFile = file is null ? null : ReadUrlFile(file);
        var resolvedUrl = NonEmpty(url) ?? NonEmpty(Environment.GetEnvironmentVariable("OAM_URL")) ?? fromFile?.Url ?? DefaultUrl;
        var resolvedCreds = NonEmpty(creds) ?? NonEmpty(Environment.GetEnvironmentVariable("OAM_CREDS")) ?? fromFile?.CredsFile;
        return new MeshEndpoint(resolvedUrl, resolvedCreds)
        {
            NKeySeedFile = NonEmpty(Environment.GetEnvironmentVariable("OAM_NKEY_SEED_FILE")),
            Token = NonEmpty(Environment.GetEnvironmentVariable("OAM_TOKEN")),
            Tls = MeshTls.Resolve(),
            InboxPrefix = NonEmpty(Environment.GetEnvironmentVariable("OAM_INBOX_PREFIX")) ?? MeshInboxFile.Read(resolvedCreds),
        };
    }

    /// <summary>
    /// What keeps this endpoint from working, one sentence per problem naming the setting: a URL that is not a NATS URL, a
    /// creds, NKey seed or TLS file that does not exist, a TLS certificate without its key, a bad inbox prefix. Empty when
    /// it can be used. The URL is shown redacted; a token never.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!IsNatsUrl(Url))
        {
            problems.Add($"Url '{MeshConnectWait.Redact(Url ?? "")}' is not a NATS URL (nats://host:port, tls://host:port, ws:// or wss://; several comma-separated).");
        }

        foreach (var (setting, file) in new[] { ("CredsFile", CredsFile), ("NKeySeedFile", NKeySeedFile), ("Tls.CertFile", Tls?.CertFile), ("Tls.KeyFile", Tls?.KeyFile), ("Tls.CaFile", Tls?.CaFile) })
        {
            if (file is not null && !File.Exists(file))
            {
                problems.Add($"{setting} '{file}' does not exist.");
            }
        }

        if (Tls is { } tls && (tls.CertFile is null) != (tls.KeyFile is null))
        {
            problems.Add("Tls needs CertFile and KeyFile together (a client certificate and its key).");
        }

        if (InboxPrefix is { } inbox && !IsInboxPrefix(inbox))
        {
            problems.Add($"InboxPrefix '{inbox}' must be dot-separated tokens of [a-zA-Z0-9_-] (e.g. _INBOX_PRIVATE.alice), or null for the default.");
        }

        return problems;
    }

    private static bool IsNatsUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.Split(',').All(part =>
            Uri.TryCreate(part.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "nats" or "tls" or "ws" or "wss" && uri.Host.Length > 0);

    /// <summary>True for a valid inbox prefix: dot-separated, non-empty tokens of letters, digits, <c>_</c> and <c>-</c>.</summary>
    public static bool IsInboxPrefix(string prefix) =>
        !string.IsNullOrEmpty(prefix) && prefix.Split('.').All(t => t.Length > 0 && t.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'));

    /// <summary>Reads a <c>.oam-url</c> file: a bare URL line, or TOML with <c>url = "…"</c> and <c>creds = "…"</c> (relative to the file).</summary>
    public static MeshEndpoint? ReadUrlFile(string path)
    {
        string? url = null, creds = null;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var eq = line.IndexOf('=');
            if (eq < 0)
            {
                url ??= line;
                continue;
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim().Trim('"', '\'');
            if (key == "url")
            {
                url = value;
            }
            else if (key == "creds")
            {
                creds = Path.GetFullPath(value, Path.GetDirectoryName(Path.GetFullPath(path))!);
            }
        }

        return url is null ? null : new MeshEndpoint(url, creds);
    }

    private static string? FindUrlFile(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, UrlFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
