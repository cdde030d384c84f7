using System.Globalization;

namespace OamOrleans.Cli.Tests;

/// <summary><c>oam mesh up --auth</c>: the local mesh in operator mode with the accounts of <c>oam auth init</c>.</summary>
[Trait("Category", "Integration")]
public sealed class SecuredLocalMeshTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("oam-home-").FullName;
    private readonly string _work = Directory.CreateTempSubdirectory("oam-work-").FullName;

    public void Dispose()
    {
        foreach (var dir in new[] { _home, _work })
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task Up_with_auth_refuses_anonymous_clients_serves_users_and_a_revoke_reloads_it()
    {
        Assert.Equal(0, (await Oam("auth", "init")).ExitCode);
        Assert.Equal(0, (await Oam("auth", "user", "add", "ann", "--role", "admin")).ExitCode);
        Assert.Equal(0, (await Oam("auth", "user", "add", "bob", "--role", "invoker")).ExitCode);
        var port = LocalMeshTests.FreePortPair();
        var up = await Oam("mesh", "up", "--auth", "--port", port.ToString(CultureInfo.InvariantCulture));
        try
        {
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains("anonymous connections are refused", up.Stdout);
            Assert.Contains("include", await File.ReadAllTextAsync(Path.Combine(_home, "run", "nats.conf")));

            var anonymous = await Oam("mesh", "catalog");
            Assert.Equal(1, anonymous.ExitCode);
            Assert.Contains("connection_denied", anonymous.Stderr);
            Assert.Contains("credentials: no credentials", anonymous.Stderr);

            var url = $"nats://127.0.0.1:{port}";
            Assert.Equal(0, (await Oam("mesh", "connect", url, "--creds", "bob.creds")).ExitCode);
            var catalog = await Oam("mesh", "catalog");
            Assert.True(catalog.ExitCode == 0, catalog.ToString());

            var revoke = await Oam("auth", "user", "revoke", "bob");
            Assert.True(revoke.ExitCode == 0, revoke.ToString());
            Assert.Contains("Reloaded the local mesh", revoke.Stdout);
            await Poll.UntilAsync(
                async () => (await Oam("mesh", "catalog")).Stderr.Contains("connection_denied", StringComparison.Ordinal),
                "bob is refused after the revoke", TimeSpan.FromSeconds(20), interval: TimeSpan.FromMilliseconds(200));

            var ann = await OamTool.RunAsync(["mesh", "catalog", "--url", url], cwd: _work, env: new Dictionary<string, string>
            {
                ["OAM_HOME"] = _home,
                ["OAM_CREDS"] = Path.Combine(_work, "ann.creds"),
            });
            Assert.True(ann.ExitCode == 0, ann.ToString());
        }
        finally
        {
            var down = await Oam("mesh", "down");
            Assert.True(down.ExitCode == 0, down.ToString());
        }
    }

    private Task<OamResult> Oam(params string[] args) => OamTool.RunAsync(args, cwd: _work, env: new Dictionary<string, string> { ["OAM_HOME"] = _home });
}
