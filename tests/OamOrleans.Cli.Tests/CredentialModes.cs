using System.Collections.Concurrent;
using System.Security.Cryptography;
using NATS.Client.Core;
using NATS.NKeys;
using OamOrleans.Cli.Auth;
using OamOrleans.Client;
using OamOrleans.Runtime.Tests;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// A nats-server configured for one credential mode, and what a component of ours needs to connect to it: the URL (with
/// a user and password in it for that mode), the <c>OAM_*</c> settings for a process, explicit client options, the
/// system-account side for a health monitor, and the secrets that must never be printed.
/// </summary>
public sealed record ModeServer(
    string Mode,
    NatsServer Server,
    string Url,
    IReadOnlyDictionary<string, string> Env,
    MeshEndpoint Endpoint,
    string? SysUrl,
    string? SysCreds,
    IReadOnlyList<string> Secrets);

/// <summary>One server per credential mode, started on first use and shared by the tests of that mode.</summary>
public sealed class CredentialModeServers : IAsyncLifetime
{
    public static readonly TheoryData<string> Modes = new() { "userpass", "token", "nkey", "creds", "tls", "mtls" };

    /// <summary>The modes the default suite leaves to <see cref="FullMatrixTheoryAttribute"/> for the silo process.</summary>
    public static readonly TheoryData<string> OtherModes = new() { "userpass", "token", "nkey", "tls", "mtls" };

    private readonly ConcurrentDictionary<string, Lazy<Task<ModeServer>>> _servers = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("oam-modes-").FullName;
    private TestCertificates? _certs;

    public Task<ModeServer> GetAsync(string mode) => _servers.GetOrAdd(mode, m => new Lazy<Task<ModeServer>>(() => StartAsync(m))).Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var lazy in _servers.Values.Where(l => l.IsValueCreated))
        {
            try
            {
                await (await lazy.Value).Server.DisposeAsync();
            }
            catch (InvalidOperationException)
            {
            }
        }

        _certs?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<ModeServer> StartAsync(string mode)
    {
        var port = NatsServer.FreePort();
        var plain = $"nats://127.0.0.1:{port}";
        var secret = "s3cret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var sysPassword = "sys-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var sysUrl = $"nats://oam-sys:{sysPassword}@127.0.0.1:{port}";
        var sysAccount = $$"""SYS { users: [ { user: "oam-sys", password: "{{sysPassword}}" } ] }""";
        switch (mode)
        {
            case "userpass":
            {
                var server = await NatsServer.StartAsync(
                    port: port,
                    extraConfig: $$"""
                        accounts { APP { jetstream: enabled, users: [ { user: "mesh", password: "{{secret}}" } ] }, {{sysAccount}} }
                        system_account: SYS
                        """,
                    clientOpts: o => o with { AuthOpts = NatsAuthOpts.Default with { Username = "mesh", Password = secret } });
                var url = $"nats://mesh:{secret}@127.0.0.1:{port}";
                return new(mode, server, url, new Dictionary<string, string>(), new MeshEndpoint(url), sysUrl, null, [secret, sysPassword]);
            }

            case "token":
            {
                var server = await NatsServer.StartAsync(
                    port: port,
                    extraConfig: $$"""authorization { token: "{{secret}}" }""",
                    clientOpts: o => o with { AuthOpts = NatsAuthOpts.Default with { Token = secret } });
                return new(mode, server, plain, new Dictionary<string, string> { ["OAM_TOKEN"] = secret }, new MeshEndpoint(plain) { Token = secret }, null, null, [secret]);
            }

            case "nkey":
            {
                using var user = KeyPair.CreatePair(PrefixByte.User);
                var seedFile = Path.Combine(_dir, "user.nk");
                SecretFile.Write(seedFile, user.GetSeed() + "\n");
                var server = await NatsServer.StartAsync(
                    port: port,
                    extraConfig: $$"""
                        accounts { APP { jetstream: enabled, users: [ { nkey: "{{user.GetPublicKey()}}" } ] }, {{sysAccount}} }
                        system_account: SYS
                        """,
                    clientOpts: o => o with { AuthOpts = MeshConnections.Auth(null, seedFile, null) });
                return new(mode, server, plain, new Dictionary<string, string> { ["OAM_NKEY_SEED_FILE"] = seedFile },
                    new MeshEndpoint(plain) { NKeySeedFile = seedFile }, sysUrl, null, [user.GetSeed(), sysPassword]);
            }

            case "creds":
            {
                var authDir = Path.Combine(_dir, "auth");
                var auth = AuthDirectory.Init(authDir, "mesh");
                var creds = Path.Combine(_dir, "worker.creds");
                auth.AddUser("worker", MeshRoles.Worker, creds);
                var sysCreds = Path.Combine(_dir, "sys.creds");
                auth.WriteSystemUserCreds("sys", sysCreds);
                var server = await NatsServer.StartAsync(
                    port: port,
                    includeConfig: auth.ServerConfigPath,
                    clientOpts: o => o with { AuthOpts = NatsAuthOpts.Default with { CredsFile = creds } });
                var seed = (await File.ReadAllLinesAsync(creds)).Single(l => l.StartsWith("SU", StringComparison.Ordinal)).Trim();
                return new(mode, server, plain, new Dictionary<string, string> { ["OAM_CREDS"] = creds },
                    new MeshEndpoint(plain, creds), plain, sysCreds, [seed]);
            }

            case "tls":
            case "mtls":
            {
                _certs ??= TestCertificates.Create();
                var mutual = mode == "mtls";
                var tls = mutual
                    ? new MeshTls { CertFile = _certs.ClientCert, KeyFile = _certs.ClientKey, CaFile = _certs.CaFile }
                    : new MeshTls { CaFile = _certs.CaFile };
                var server = await NatsServer.StartAsync(
                    port: port,
                    accounts: true,
                    extraConfig: $$"""
                        tls {
                          cert_file: "{{_certs.ServerCert}}"
                          key_file: "{{_certs.ServerKey}}"
                          {{(mutual ? $"ca_file: \"{_certs.CaFile}\"\n  verify: true" : "")}}
                        }
                        """,
                    clientOpts: o => o with { TlsOpts = MeshConnections.TlsOptions(tls) });
                var env = new Dictionary<string, string> { ["OAM_TLS_CA"] = _certs.CaFile };
                if (mutual)
                {
                    env["OAM_TLS_CERT"] = _certs.ClientCert;
                    env["OAM_TLS_KEY"] = _certs.ClientKey;
                }

                var serverSys = server.SysUrl;
                return new(mode, server, plain, env, new MeshEndpoint(plain) { Tls = tls }, serverSys, null,
                    [new Uri(serverSys).UserInfo.Split(':')[1]]);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown credential mode");
        }
    }
}

/// <summary>
/// A theory that runs only with <c>OAM_FULL_MATRIX=1</c>: a real silo process per credential mode costs 5-20 s each, so
/// the default suite runs it for one mode and the full matrix on request.
/// </summary>
public sealed class FullMatrixTheoryAttribute : TheoryAttribute
{
    public FullMatrixTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("OAM_FULL_MATRIX") != "1")
        {
            Skip = "set OAM_FULL_MATRIX=1 to run a real silo process for every credential mode";
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CredentialModeCollection : ICollectionFixture<CredentialModeServers>
{
    public const string Name = "credential modes";
}
