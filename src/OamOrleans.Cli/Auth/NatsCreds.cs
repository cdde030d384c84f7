using System.Text.RegularExpressions;

namespace OamOrleans.Cli.Auth;

/// <summary>
/// The standard NATS <c>.creds</c> file (as <c>nsc</c> writes it): the user JWT between
/// <c>-----BEGIN NATS USER JWT-----</c> / <c>------END NATS USER JWT------</c>, then the user's nkey seed in its own block.
/// Written with mode 600: the seed is the user's secret.
/// </summary>
internal static partial class NatsCreds
{
    public static string Format(string jwt, string seed) => $"""
        -----BEGIN NATS USER JWT-----
        {jwt}
        ------END NATS USER JWT------

        ************************* IMPORTANT *************************
        NKEY Seed printed below can be used to sign and prove identity.
        NKEYs are sensitive and should be treated as secrets.

        -----BEGIN USER NKEY SEED-----
        {seed}
        ------END USER NKEY SEED------

        *************************************************************

        """;

    /// <summary>Writes the file with mode 600 from the start (never readable by others, not even briefly).</summary>
    public static void Write(string path, string jwt, string seed)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        SecretFile.Write(full, Format(jwt, seed));
    }

    /// <summary>The user JWT of a creds file (never its seed).</summary>
    /// <exception cref="FormatException">The file holds no user JWT block.</exception>
    public static string ReadJwt(string text)
    {
        var match = JwtBlock().Match(text);
        return match.Success ? match.Groups[1].Value.Trim() : throw new FormatException("no NATS USER JWT block");
    }

    [GeneratedRegex(@"-{3,}BEGIN NATS USER JWT-{3,}\s*\r?\n\s*(\S+)\s*\r?\n\s*-{3,}END NATS USER JWT-{3,}")]
    private static partial Regex JwtBlock();
}

/// <summary>Files holding secrets (seeds, creds): created with mode 600 before any byte is written.</summary>
internal static class SecretFile
{
    public static void Write(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on create: set it explicitly.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
