namespace OamOrleans.WebAuth;

/// <summary>
/// How a web port that serves the admin UI, MCP or the dashboard authenticates (<c>Oam:HttpAuth</c> / <c>OAM_HTTP_AUTH</c>):
/// <c>token</c> (a bearer token read from <c>OAM_HTTP_TOKEN_FILE</c>) or <c>none</c> (open, chosen explicitly). Unset means
/// not chosen: a port that mounts any of them refuses to start.
/// </summary>
internal sealed record HttpAuthSettings(string? Mode, string? Token)
{
    public const string ModeVariable = "OAM_HTTP_AUTH";
    public const string TokenFileVariable = "OAM_HTTP_TOKEN_FILE";
    public const string TokenMode = "token";
    public const string NoneMode = "none";

    /// <summary>Shorter tokens are refused: a bearer token is the only thing between the port and every agent.</summary>
    public const int MinTokenLength = 16;

    /// <summary>Nothing chosen.</summary>
    public static HttpAuthSettings Unset { get; } = new(null, null);

    public bool IsToken => Mode == TokenMode;

    /// <summary>True once the operator chose (token or none): the secure default stops a port with nothing chosen.</summary>
    public bool IsChosen => Mode is not null;

    /// <summary>What the start-up summary prints.</summary>
    public string Describe() => Mode switch
    {
        TokenMode => "token (Authorization: Bearer, or the login page's cookie)",
        NoneMode => "none (OAM_HTTP_AUTH=none: open to anyone who reaches the port)",
        _ => "not set",
    };

    /// <summary>Reads <paramref name="mode"/> and, for <c>token</c>, the token from <paramref name="tokenFile"/>.</summary>
    /// <param name="modeSetting">How the mode is named to the user, e.g. <c>Oam:HttpAuth / OAM_HTTP_AUTH</c>.</param>
    /// <param name="tokenFileSetting">How the token file is named to the user.</param>
    /// <exception cref="ArgumentException">An unknown mode, or a token file that is missing, unreadable, empty or too short.</exception>
    public static HttpAuthSettings Read(string? mode, string? tokenFile, string modeSetting, string tokenFileSetting)
    {
        mode = string.IsNullOrWhiteSpace(mode) ? null : mode.Trim().ToLowerInvariant();
        switch (mode)
        {
            case null:
                return Unset;
            case NoneMode:
                return new(NoneMode, null);
            case TokenMode:
                break;
            default:
                throw new ArgumentException($"Setting {modeSetting} must be '{TokenMode}' or '{NoneMode}', was '{mode}'.");
        }

        if (string.IsNullOrWhiteSpace(tokenFile))
        {
            throw new ArgumentException($"Setting {modeSetting}={TokenMode} needs {tokenFileSetting}: a file holding the token (e.g. `openssl rand -hex 32 > web.token`).");
        }

        string token;
        try
        {
            token = File.ReadAllText(tokenFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ArgumentException($"Setting {tokenFileSetting}: cannot read '{tokenFile}': {e.Message}");
        }

        if (token.Length < MinTokenLength || token.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"Setting {tokenFileSetting}: '{tokenFile}' must hold one token of at least {MinTokenLength} characters without spaces (e.g. `openssl rand -hex 32`).");
        }

        return new(TokenMode, token);
    }

    /// <summary>The settings without the token.</summary>
    public override string ToString() => $"HttpAuthSettings {{ Mode = {Mode ?? "null"}, Token = {(Token is null ? "null" : "***")} }}";
}
