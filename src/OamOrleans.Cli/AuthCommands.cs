using System.CommandLine;
using OamOrleans.Cli.Auth;
using OamOrleans.Client;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam auth</c>: operator, accounts and users of a secured mesh (NATS JWT v2, made here with NATS.NKeys; no <c>nsc</c>).
/// </summary>
internal static class AuthCommands
{
    public static Command Build() => new("auth", "Secure a mesh: operator, accounts, users with roles (NATS JWT credentials).")
    {
        Init(),
        new Command("user", "Add or revoke users of the mesh account.") { AddUser(), RevokeUser() },
        WhoAmI(),
    };

    private static Option<string> DirOption() => new("--dir")
    {
        Description = "Folder of the auth set-up (auth.toml, keys, users, server.conf).",
        DefaultValueFactory = _ => AuthDirectory.DefaultDir,
    };

    private static Command Init()
    {
        var name = new Option<string>("--name") { Description = "Mesh (account) name.", DefaultValueFactory = _ => "mesh" };
        var dir = DirOption();
        var command = new Command("init", "Create an operator, the system account SYS and a mesh account with JetStream; write server.conf and auth.toml.") { name, dir };
        OamCli.SetAction(command, (parse, _) =>
        {
            var auth = AuthDirectory.Init(parse.GetValue(dir)!, parse.GetValue(name)!);
            var stdout = parse.Stdout();
            stdout.WriteLine($"Initialised mesh '{auth.Name}' in {auth.Dir}");
            stdout.WriteLine($"  Operator:       {auth.Operator.GetPublicKey()}");
            stdout.WriteLine($"  System account: {AuthDirectory.SystemAccountName} {auth.SystemAccount.GetPublicKey()}");
            stdout.WriteLine($"  Mesh account:   {auth.Name} {auth.Account.GetPublicKey()} (JetStream)");
            stdout.WriteLine($"  Server config:  {auth.ServerConfigPath}");
            stdout.WriteLine($"Next: oam auth user add NAME --role worker|invoker|observer|admin --dir {parse.GetValue(dir)}");
            return Task.FromResult(OamCli.Ok);
        });
        return command;
    }

    private static Command AddUser()
    {
        var name = new Argument<string>("NAME") { Description = "User name." };
        var role = new Option<string>("--role")
        {
            Description = "worker (hosts agents), invoker (calls, streams, sends, events), observer (reads, taps logs), admin (everything).",
            Required = true,
        };
        role.AcceptOnlyFromAmong([.. MeshRoles.Names]);
        var dir = DirOption();
        var output = new Option<string?>("--out") { Description = "Where to write the .creds file (default ./NAME.creds)." };
        var privateInbox = new Option<bool>("--private-inbox")
        {
            Description = $"Replies come to {MeshRoles.PrivateInboxRoot}.NAME.> (which only this user may read) instead of the shared _INBOX.>; the prefix is written next to the creds (NAME.inbox). invoker and observer only.",
        };
        var command = new Command("add", "Mint a user of the mesh account with a role and write its .creds file (mode 600).") { name, role, dir, output, privateInbox };
        OamCli.SetAction(command, (parse, _) =>
        {
            var userName = parse.GetValue(name)!;
            if (!Protocol.AgentName.IsValid(userName) || userName.Contains('.', StringComparison.Ordinal))
            {
                throw new UsageException($"Error: a user name is letters, digits, '_' or '-', got '{userName}'");
            }

            var auth = AuthDirectory.Open(parse.GetValue(dir)!);
            var creds = Path.GetFullPath(parse.GetValue(output) ?? $"{userName}.creds");
            var user = auth.AddUser(userName, parse.GetValue(role)!, creds, parse.GetValue(privateInbox));
            var stdout = parse.Stdout();
            stdout.WriteLine($"Added user '{user.Name}' ({user.Role}) {user.PublicKey}");
            stdout.WriteLine($"  Creds: {creds} (mode 600)");
            if (user.InboxPrefix is { } prefix)
            {
                stdout.WriteLine($"  Private inbox: {prefix} (recorded in {MeshEndpoint.InboxFileFor(creds)}; oam and MeshClient read it from there)");
                stdout.WriteLine($"    nats.js: connect({{ inboxPrefix: \"{prefix}\", ... }})   nats-py: nats.connect(..., inbox_prefix=b\"{prefix}\")");
            }

            stdout.WriteLine($"  Use it: OAM_CREDS={creds}, or oam mesh connect URL --creds {creds}");
            return Task.FromResult(OamCli.Ok);
        });
        return command;
    }

    private static Command RevokeUser()
    {
        var name = new Argument<string>("NAME") { Description = "User name." };
        var dir = DirOption();
        var command = new Command("revoke", "Revoke a user in the account JWT and regenerate server.conf (a running server applies it on reload).") { name, dir };
        OamCli.SetAction(command, (parse, _) =>
        {
            var auth = AuthDirectory.Open(parse.GetValue(dir)!);
            var stdout = parse.Stdout();
            foreach (var user in auth.Revoke(parse.GetValue(name)!))
            {
                stdout.WriteLine($"Revoked user '{user.Name}' {user.PublicKey}");
            }

            stdout.WriteLine($"  Regenerated {auth.ServerConfigPath}");
            stdout.WriteLine(new LocalMeshSupervisor(MeshRunDirectory.Default).ReloadIfServing(auth.Dir) is { } pid
                ? $"  Reloaded the local mesh (pid {pid})"
                : "  Reload a running server to apply it: nats-server --signal reload=<pid> (or kill -HUP <pid>)");
            return Task.FromResult(OamCli.Ok);
        });
        return command;
    }

    private static Command WhoAmI()
    {
        var creds = new Option<string?>("--creds") { Description = "Credentials file (default: OAM_CREDS, else the creds of .oam-url)." };
        var command = new Command("whoami", "Show the user, public key and account of the credentials in use (never the seed).") { creds };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var path = MeshEndpoint.Resolve(creds: parse.GetValue(creds)).CredsFile;
            if (path is null)
            {
                parse.Stdout().WriteLine("No credentials: connections are open (unauthenticated).");
                return OamCli.Ok;
            }

            if (!File.Exists(path))
            {
                throw new CliFailure($"Error: creds file not found: {path}");
            }

            System.Text.Json.Nodes.JsonObject claims;
            try
            {
                claims = NatsJwt.Decode(NatsCreds.ReadJwt(await File.ReadAllTextAsync(path, ct)));
            }
            catch (FormatException e)
            {
                throw new CliFailure($"Error: {path} is not a NATS creds file: {e.Message}");
            }

            var nats = claims["nats"] as System.Text.Json.Nodes.JsonObject;
            var role = (nats?["tags"] as System.Text.Json.Nodes.JsonArray)?.Select(t => t?.GetValue<string>())
                .FirstOrDefault(t => t?.StartsWith(NatsClaims.RoleTagPrefix, StringComparison.Ordinal) == true)?[NatsClaims.RoleTagPrefix.Length..];
            var stdout = parse.Stdout();
            stdout.WriteLine($"User:       {claims["name"]?.GetValue<string>()}");
            stdout.WriteLine($"Public key: {claims["sub"]?.GetValue<string>()}");
            stdout.WriteLine($"Account:    {nats?["issuer_account"]?.GetValue<string>() ?? claims["iss"]?.GetValue<string>()}");
            stdout.WriteLine($"Role:       {role ?? "(none)"}");
            var privateInbox = ((nats?["sub"] as System.Text.Json.Nodes.JsonObject)?["allow"] as System.Text.Json.Nodes.JsonArray)?
                .Select(p => p?.GetValue<string>())
                .FirstOrDefault(p => p?.StartsWith(MeshRoles.PrivateInboxRoot + ".", StringComparison.Ordinal) == true);
            stdout.WriteLine($"Inbox:      {(privateInbox is null ? "_INBOX (shared)" : privateInbox[..^2] + " (private)")}");
            stdout.WriteLine($"Creds:      {Path.GetFullPath(path)}");
            return OamCli.Ok;
        });
        return command;
    }
}
