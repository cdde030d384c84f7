namespace OamOrleans.Client;

/// <summary>
/// Where the mesh is and which credentials to use, resolved like the reference (§8):
/// URL from the argument, <c>OAM_URL</c>, a <c>.oam-url</c> file found walking up from the working directory,
/// else <c>nats://localhost:4222</c>; credentials from the argument, <c>OAM_CREDS</c>, the <c>.oam-url</c> file, else none.
/// </summary>
public sealed record MeshEndpoint(string Url, string? CredsFile)
{
    /// <summary>Client certificate, key and CA for TLS or mutual TLS; null connects as the URL says (<c>tls://</c> or plain).</summary>
    public MeshTls? Tls { get; init; }

    public const string DefaultUrl = "nats://localhost:4222";
    public const string UrlFileName = ".oam-url";

    public static MeshEndpoint Resolve(string? url = null, string? creds = null, string? startDirectory = null)
    {
        var file = FindUrlFile(startDirectory ?? Directory.GetCurrentDirectory());
        var fromFile = file is null ? null : ReadUrlFile(file);
        var resolvedUrl = NonEmpty(url) ?? NonEmpty(Environment.GetEnvironmentVariable("OAM_URL")) ?? fromFile?.Url ?? DefaultUrl;
        var resolvedCreds = NonEmpty(creds) ?? NonEmpty(Environment.GetEnvironmentVariable("OAM_CREDS")) ?? fromFile?.CredsFile;
        return new MeshEndpoint(resolvedUrl, resolvedCreds);
    }

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
