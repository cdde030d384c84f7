namespace OamOrleans.Cli.Tests;

/// <summary><c>oam auth</c> and <c>oam mesh connect --creds</c> on their own: files, modes, output, refusals, and no secret printed.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Trait("Category", "Integration")]
public sealed class AuthCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("oam-authcmd-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Init_writes_an_operator_mode_config_and_refuses_to_run_twice()
    {
        var first = await Oam("auth", "init", "--name", "shop");
        Assert.True(first.ExitCode == 0, first.ToString());
        var config = await File.ReadAllTextAsync(Path.Combine(_dir, ".oam", "server.conf"));
        Assert.Contains("operator:", config);
        Assert.Contains("resolver: MEMORY", config);
        Assert.Contains("system_account:", config);
        Assert.Contains("resolver_preload", config);
        Assert.Contains($"store_dir: \"{Path.Combine(_dir, ".oam", "jetstream")}\"", config);
        Assert.Contains("name = \"shop\"", await File.ReadAllTextAsync(Path.Combine(_dir, ".oam", "auth.toml")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, ".oam", "keys", "operator.nk")));

        var second = await Oam("auth", "init");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already exists", second.Stderr);
    }

    [Fact]
    public async Task User_add_writes_a_mode_600_creds_file_and_whoami_shows_the_user_but_never_the_seed()
    {
        Assert.Equal(0, (await Oam("auth", "init")).ExitCode);
        var add = await Oam("auth", "user", "add", "alice", "--role", "invoker", "--out", "keys/alice.creds");
        Assert.True(add.ExitCode == 0, add.ToString());
        var creds = Path.Combine(_dir, "keys", "alice.creds");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(creds));
        var text = await File.ReadAllTextAsync(creds);
        Assert.Contains("-----BEGIN NATS USER JWT-----", text);
        Assert.Contains("------END USER NKEY SEED------", text);
        var seed = text.Split('\n').Single(l => l.StartsWith("SU", StringComparison.Ordinal)).Trim();

        var whoami = await Oam("auth", "whoami", "--creds", creds);
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        Assert.Contains("User:       alice", whoami.Stdout);
        Assert.Matches(@"Public key: U[A-Z2-7]{55}", whoami.Stdout);
        Assert.Matches(@"Account:    A[A-Z2-7]{55}", whoami.Stdout);
        Assert.Contains("Role:       invoker", whoami.Stdout);
        Assert.Contains(creds, whoami.Stdout);
        Assert.DoesNotContain(seed, whoami.Stdout + whoami.Stderr);
        Assert.DoesNotContain(seed, add.Stdout + add.Stderr);

        // OAM_CREDS is the next source after --creds.
        var fromEnv = await Oam(new Dictionary<string, string> { ["OAM_CREDS"] = creds }, "auth", "whoami");
        Assert.Contains("User:       alice", fromEnv.Stdout);
    }

    [Fact]
    public async Task Whoami_without_creds_reports_an_open_connection_and_a_missing_file_exits_1()
    {
        var open = await Oam("auth", "whoami");
        Assert.Equal(0, open.ExitCode);
        Assert.Contains("open (unauthenticated)", open.Stdout);

        var missing = await Oam("auth", "whoami", "--creds", "nope.creds");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("creds file not found", missing.Stderr);
    }

    [Fact]
    public async Task An_unknown_role_is_a_usage_error_and_a_missing_setup_says_to_run_init()
    {
        var noSetup = await Oam("auth", "user", "add", "bob", "--role", "worker");
        Assert.Equal(1, noSetup.ExitCode);
        Assert.Contains("oam auth init", noSetup.Stderr);

        Assert.Equal(0, (await Oam("auth", "init")).ExitCode);
        var badRole = await Oam("auth", "user", "add", "bob", "--role", "root");
        Assert.Equal(2, badRole.ExitCode);

        var revokeUnknown = await Oam("auth", "user", "revoke", "nobody");
        Assert.Equal(1, revokeUnknown.ExitCode);
        Assert.Contains("no active user 'nobody'", revokeUnknown.Stderr);
    }

    [Fact]
    public async Task Mesh_connect_with_creds_writes_the_toml_oam_url_that_whoami_then_reads()
    {
        Assert.Equal(0, (await Oam("auth", "init")).ExitCode);
        Assert.Equal(0, (await Oam("auth", "user", "add", "carol", "--role", "observer")).ExitCode);
        var connect = await Oam("mesh", "connect", "nats://bob:s3cret@127.0.0.1:4222", "--creds", "carol.creds");
        Assert.True(connect.ExitCode == 0, connect.ToString());
        Assert.DoesNotContain("s3cret", connect.Stdout + connect.Stderr);
        var urlFile = await File.ReadAllTextAsync(Path.Combine(_dir, ".oam-url"));
        Assert.Equal("url = \"nats://bob:s3cret@127.0.0.1:4222\"\ncreds = \"carol.creds\"\n", urlFile);

        var whoami = await Oam("auth", "whoami");
        Assert.Contains("User:       carol", whoami.Stdout);

        var missing = await Oam("mesh", "connect", "nats://127.0.0.1:4222", "--creds", "nobody.creds");
        Assert.Equal(0, missing.ExitCode);
        Assert.Contains("creds file not found", missing.Stderr);
    }

    private Task<OamResult> Oam(params string[] args) => OamTool.RunAsync(args, cwd: _dir);

    private Task<OamResult> Oam(IReadOnlyDictionary<string, string> env, params string[] args) => OamTool.RunAsync(args, cwd: _dir, env: env);
}
