using System.Text;
using System.Text.Json.Nodes;
using NATS.NKeys;
using OamOrleans.Client;

namespace OamOrleans.Cli.Auth;

/// <summary>
/// The set-up of <c>oam auth init</c> in a folder (default <c>.oam</c>): <c>auth.toml</c> (mesh name, public keys),
/// <c>keys/</c> (operator and account seeds, mode 600), <c>users.json</c> (who was minted, with which role, who is
/// revoked) and <c>server.conf</c> (operator mode, memory resolver with both account JWTs preloaded, JetStream store).
/// Every change re-signs the account JWT and rewrites <c>server.conf</c>, so a running server picks it up on reload.
/// </summary>
internal sealed class AuthDirectory
{
    public const string DefaultDir = ".oam";
    public const string TomlFile = "auth.toml";
    public const string ServerConfigFile = "server.conf";
    public const string UsersFile = "users.json";
    public const string SystemAccountName = "SYS";

    /// <summary>
    /// The server's limit on one protocol line (<c>max_control_line</c>, default 4096), which a CONNECT carrying a user JWT
    /// must fit in: an observer's JWT alone is about 3.8 KB. Every server that admits these users needs at least this.
    /// </summary>
    public const int MaxControlLine = 16384;

    private readonly List<MintedUser> _users;

    private AuthDirectory(string dir, string name, KeyPair op, KeyPair sys, KeyPair account, List<MintedUser> users)
    {
        Dir = dir;
        Name = name;
        Operator = op;
        SystemAccount = sys;
        Account = account;
        _users = users;
    }

    public string Dir { get; }

    /// <summary>The mesh name, which is also the mesh account's name.</summary>
    public string Name { get; }

    public KeyPair Operator { get; }

    public KeyPair SystemAccount { get; }

    /// <summary>The mesh account (JetStream enabled): every user of a role belongs to it.</summary>
    public KeyPair Account { get; }

    public IReadOnlyList<MintedUser> Users => _users;

    public string ServerConfigPath => Path.Combine(Dir, ServerConfigFile);

    public string StoreDir => Path.Combine(Dir, "jetstream");

    private string KeysDir => Path.Combine(Dir, "keys");

    /// <summary>Creates the operator, <c>SYS</c> and the mesh account; refuses a folder that already has a set-up.</summary>
    /// <exception cref="CliFailure">An <c>auth.toml</c> is already there.</exception>
    public static AuthDirectory Init(string dir, string name)
    {
        if (!Protocol.AgentName.IsValid(name) || name.Contains('.', StringComparison.Ordinal) || name == SystemAccountName)
        {
            throw new UsageException($"--name must be letters, digits, '_' or '-' (and not {SystemAccountName}), got '{name}'");
        }

        dir = Path.GetFullPath(dir);
        if (File.Exists(Path.Combine(dir, TomlFile)))
        {
            throw new CliFailure($"Error: {Path.Combine(dir, TomlFile)} already exists: this folder already holds an auth set-up. Use another --dir, or remove it first.");
        }

        Directory.CreateDirectory(Path.Combine(dir, "keys"));
        var auth = new AuthDirectory(dir, name, KeyPair.CreatePair(PrefixByte.Operator), KeyPair.CreatePair(PrefixByte.Account), KeyPair.CreatePair(PrefixByte.Account), []);
        SecretFile.Write(Path.Combine(auth.KeysDir, "operator.nk"), auth.Operator.GetSeed() + "\n");
        SecretFile.Write(Path.Combine(auth.KeysDir, SystemAccountName + ".nk"), auth.SystemAccount.GetSeed() + "\n");
        SecretFile.Write(Path.Combine(auth.KeysDir, name + ".nk"), auth.Account.GetSeed() + "\n");
        auth.Save();
        File.WriteAllText(Path.Combine(dir, TomlFile), $"""
            # Written by `oam auth init`. Seeds are in keys/ (mode 600); users in users.json; the server config in server.conf.
            name = "{name}"
            operator = "{auth.Operator.GetPublicKey()}"
            system_account = "{auth.SystemAccount.GetPublicKey()}"
            account = "{auth.Account.GetPublicKey()}"

            """);
        return auth;
    }

    /// <exception cref="CliFailure">No set-up in <paramref name="dir"/>, or a damaged one.</exception>
    public static AuthDirectory Open(string dir)
    {
        dir = Path.GetFullPath(dir);
        var toml = Path.Combine(dir, TomlFile);
        if (!File.Exists(toml))
        {
            throw new CliFailure($"Error: no auth set-up in {dir} ({TomlFile} not found). Run `oam auth init --dir {dir}` first.");
        }

        try
        {
            var name = ReadToml(toml).GetValueOrDefault("name") ?? throw new FormatException($"{TomlFile} has no name");
            var keys = Path.Combine(dir, "keys");
            var users = new List<MintedUser>();
            var usersFile = Path.Combine(dir, UsersFile);
            if (File.Exists(usersFile) && JsonNode.Parse(File.ReadAllText(usersFile))?["users"] is JsonArray array)
            {
                users.AddRange(array.OfType<JsonObject>().Select(MintedUser.FromJson));
            }

            return new AuthDirectory(dir, name, Seed(keys, "operator"), Seed(keys, SystemAccountName), Seed(keys, name), users);
        }
        catch (Exception e) when (e is IOException or FormatException or System.Text.Json.JsonException or NKeysException or InvalidOperationException)
        {
            throw new CliFailure($"Error: the auth set-up in {dir} is damaged: {e.Message}");
        }
    }

    /// <summary>
    /// Mints a user of the mesh account with <paramref name="role"/>, records it and writes its creds file. With
    /// <paramref name="privateInbox"/> its replies come to <see cref="MeshRoles.PrivateInboxPrefix"/>, which only it may
    /// subscribe to; the prefix is recorded in users.json and next to the creds (<see cref="MeshEndpoint.InboxFileFor"/>).
    /// </summary>
    public MintedUser AddUser(string name, string role, string credsPath, bool privateInbox = false)
    {
        if (privateInbox && !MeshRoles.PrivateInboxRoles.Contains(role))
        {
            throw new UsageException($"Error: --private-inbox is for the roles {string.Join(" and ", MeshRoles.PrivateInboxRoles)}, not {role}.");
        }

        var inboxPrefix = privateInbox ? MeshRoles.PrivateInboxPrefix(name) : null;
        var permissions = inboxPrefix is null ? MeshRoles.For(role) : MeshRoles.For(role, inboxPrefix);
        if (_users.Any(u => u.Name == name && u.RevokedAt is null))
        {
            throw new CliFailure($"Error: user '{name}' already exists. Revoke it first (oam auth user revoke {name}) or pick another name.");
        }

        using var user = KeyPair.CreatePair(PrefixByte.User);
        var jwt = NatsJwt.Encode(NatsClaims.User(user.GetPublicKey(), name, role, permissions), Account);
        NatsCreds.Write(credsPath, jwt, user.GetSeed());
        MeshEndpoint.WriteInboxFile(credsPath, inboxPrefix);
        var minted = new MintedUser(name, user.GetPublicKey(), role, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), null) { InboxPrefix = inboxPrefix };
        _users.Add(minted);
        Save();
        return minted;
    }

    /// <summary>Creds for a user of the system account (a health monitor's <c>$SYS</c> advisories); not recorded.</summary>
    public void WriteSystemUserCreds(string name, string credsPath) =>
        WriteUnrecorded(SystemAccount, name, "system", new RolePermissions([">"], [">"]), credsPath);

    /// <summary>Creds for a user of the mesh account that is not recorded in users.json (a tool's own, e.g. <c>oam mesh up</c>'s).</summary>
    public void WriteMeshUserCreds(string name, string role, string credsPath) =>
        WriteUnrecorded(Account, name, role, MeshRoles.For(role), credsPath);

    private static void WriteUnrecorded(KeyPair account, string name, string role, RolePermissions permissions, string credsPath)
    {
        using var user = KeyPair.CreatePair(PrefixByte.User);
        NatsCreds.Write(credsPath, NatsJwt.Encode(NatsClaims.User(user.GetPublicKey(), name, role, permissions), account), user.GetSeed());
    }

    /// <summary>Revokes every active user named <paramref name="name"/> in the account JWT and rewrites the server config.</summary>
    public IReadOnlyList<MintedUser> Revoke(string name)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var revoked = new List<MintedUser>();
        for (var i = 0; i < _users.Count; i++)
        {
            if (_users[i].Name == name && _users[i].RevokedAt is null)
            {
                _users[i] = _users[i] with { RevokedAt = now };
                revoked.Add(_users[i]);
            }
        }

        if (revoked.Count == 0)
        {
            throw new CliFailure($"Error: no active user '{name}' in {Dir}.");
        }

        Save();
        return revoked;
    }

    /// <summary>
    /// The operator-mode part of a server config: the operator JWT, the system account, and the memory resolver with
    /// both account JWTs preloaded (the mesh account's carries the revocations).
    /// </summary>
    public string OperatorModeConfig()
    {
        var revocations = _users.Where(u => u.RevokedAt is not null).ToDictionary(u => u.PublicKey, u => u.RevokedAt!.Value);
        var sysPub = SystemAccount.GetPublicKey();
        var operatorJwt = StableJwt("operator.jwt", () => NatsClaims.Operator(Operator.GetPublicKey(), "oam-" + Name, sysPub), Operator);
        var sysJwt = StableJwt(SystemAccountName + ".jwt", () => NatsClaims.Account(sysPub, SystemAccountName, jetStream: false, new Dictionary<string, long>()), Operator);
        var accountJwt = NatsJwt.Encode(NatsClaims.Account(Account.GetPublicKey(), Name, jetStream: true, revocations), Operator);
        return $$"""
            operator: "{{operatorJwt}}"
            system_account: {{sysPub}}
            resolver: MEMORY
            resolver_preload: {
              # {{SystemAccountName}}
              {{sysPub}}: "{{sysJwt}}"
              # {{Name}}
              {{Account.GetPublicKey()}}: "{{accountJwt}}"
            }
            """;
    }

    /// <summary>
    /// A JWT signed once and kept (in <c>keys/</c>): nats-server 2.9 refuses a reload whose operator JWT changed, and
    /// only the mesh account's JWT (its revocations) needs re-signing.
    /// </summary>
    private string StableJwt(string file, Func<System.Text.Json.Nodes.JsonObject> claims, KeyPair issuer)
    {
        var path = Path.Combine(KeysDir, file);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var jwt = NatsJwt.Encode(claims(), issuer);
        File.WriteAllText(path, jwt + "\n");
        return jwt;
    }

    private void Save()
    {
        var users = new JsonArray([.. _users.Select(u => (JsonNode?)u.ToJson())]);
        File.WriteAllText(Path.Combine(Dir, UsersFile), new JsonObject { ["users"] = users }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        var config = new StringBuilder()
            .AppendLine("# Written by `oam auth` (operator mode). Regenerated by `oam auth user add|revoke`; reload a running server")
            .AppendLine("# with `nats-server --signal reload=<pid>` (or SIGHUP) to apply revocations.")
            .AppendLine(OperatorModeConfig())
            .AppendLine("# A user's JWT rides in its CONNECT line: the observer's grants (every bucket it reads, events at every depth)")
            .AppendLine("# make it longer than the default 4 KB line limit.")
            .AppendLine($"max_control_line: {MaxControlLine}")
            .AppendLine($"jetstream {{ store_dir: \"{StoreDir}\" }}")
            .ToString();
        SecretFile.Write(ServerConfigPath, config);
    }

    private static KeyPair Seed(string keysDir, string name) => KeyPair.FromSeed(File.ReadAllText(Path.Combine(keysDir, name + ".nk")).Trim());

    private static Dictionary<string, string> ReadToml(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=');
            if (line.StartsWith('#') || eq < 0)
            {
                continue;
            }

            values[line[..eq].Trim()] = line[(eq + 1)..].Trim().Trim('"');
        }

        return values;
    }
}

/// <summary>
/// A user minted by <c>oam auth user add</c>: its name, public key, role, when (unix seconds) it was made and revoked, and
/// its private inbox prefix if it has one.
/// </summary>
internal sealed record MintedUser(string Name, string PublicKey, string Role, long CreatedAt, long? RevokedAt)
{
    public string? InboxPrefix { get; init; }

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["name"] = Name, ["public_key"] = PublicKey, ["role"] = Role, ["created_at"] = CreatedAt };
        if (InboxPrefix is { } prefix)
        {
            o["inbox_prefix"] = prefix;
        }

        if (RevokedAt is { } at)
        {
            o["revoked_at"] = at;
        }

        return o;
    }

    public static MintedUser FromJson(JsonObject o) => new(
        o["name"]!.GetValue<string>(),
        o["public_key"]!.GetValue<string>(),
        o["role"]!.GetValue<string>(),
        o["created_at"]?.GetValue<long>() ?? 0,
        o["revoked_at"]?.GetValue<long>())
    {
        InboxPrefix = o["inbox_prefix"]?.GetValue<string>(),
    };
}
