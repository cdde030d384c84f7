using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Samples.Agents;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// Every credential mode (user/password in the URL, token, NKey seed, .creds, TLS, mutual TLS) against a nats-server
/// that takes only that mode, tried by every component: client, CLI, health monitor, and a real silo process with the
/// NATS grain storage and membership table, plus an external Orleans client on the NATS gateway list. No secret of the
/// mode may appear in any output.
/// </summary>
[Collection(CredentialModeCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CredentialModeTests(CredentialModeServers servers)
{
    [Theory]
    [MemberData(nameof(CredentialModeServers.Modes), MemberType = typeof(CredentialModeServers))]
    public async Task The_client_the_cli_and_the_health_monitor_connect_with_the_mode_and_print_no_secret(string mode)
    {
        var m = await servers.GetAsync(mode);
        await using (var client = await MeshClient.ConnectAsync(options: new MeshClientOptions { Endpoint = m.Endpoint }))
        {
            await client.Kv.PutAsync("mode." + mode, "ok");
            Assert.Equal("ok", await client.Kv.GetAsync("mode." + mode));
        }

        var outputs = new List<string>();
        var get = await OamTool.RunAsync(["kv", "get", "mode." + mode], m.Url, env: m.Env);
        outputs.Add(get.ToString());
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains("ok", get.Stdout);

        // Without the mode's credential (a plain URL, no settings), the CLI is refused and says which credential it used.
        var refused = await OamTool.RunAsync(["kv", "get", "mode." + mode], m.Server.Url);
        outputs.Add(refused.ToString());
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("credentials: no credentials", refused.Stderr);

        if (m.SysUrl is not null)
        {
            List<string> args = ["mesh", "monitor", "--sys-url", m.SysUrl];
            if (m.SysCreds is not null)
            {
                args.AddRange(["--sys-creds", m.SysCreds]);
            }

            await using var monitor = OamTool.StartLong(args, m.Url, env: m.Env);
            await monitor.WaitForAsync((_, err) => err.Contains("Health monitor watching", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the monitor's start line");
            outputs.Add(monitor.Stdout + monitor.Stderr);
        }

        foreach (var secret in m.Secrets)
        {
            Assert.All(outputs, o => Assert.DoesNotContain(secret, o));
        }
    }

    [Fact]
    public async Task A_wrong_password_or_token_is_refused_naming_the_credential_kind_and_never_its_content()
    {
        var userpass = await servers.GetAsync("userpass");
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        var denied = await Assert.ThrowsAsync<ConnectionDeniedException>(async () =>
            await MeshClient.ConnectAsync($"nats://mesh:{wrong}@127.0.0.1:{userpass.Server.Port}", new MeshClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) }));
        Assert.Contains("user 'mesh' with the password in the URL", denied.Message);
        Assert.DoesNotContain(wrong, denied.ToString());

        var token = await servers.GetAsync("token");
        var options = new MeshClientOptions { Endpoint = new MeshEndpoint(token.Server.Url) { Token = wrong }, ConnectTimeout = TimeSpan.FromSeconds(5) };
        denied = await Assert.ThrowsAsync<ConnectionDeniedException>(async () => await MeshClient.ConnectAsync(options: options));
        Assert.Contains("a token", denied.Message);
        Assert.DoesNotContain(wrong, denied.ToString());

        // The options and the endpoint print no secret either (they end up in logs and debuggers).
        Assert.DoesNotContain(wrong, options.ToString());
        Assert.DoesNotContain(wrong, (new MeshEndpoint($"nats://mesh:{wrong}@h:4222", null) { Token = wrong }).ToString());
        Assert.DoesNotContain(wrong, (options with { Endpoint = new MeshEndpoint($"nats://u:{wrong}@h:4222") }).ToString());
    }

    [Theory]
    [InlineData("creds")]
    public Task A_silo_process_with_nats_storage_and_clustering_serves_with_creds_and_an_orleans_client_finds_it(string mode) =>
        SiloProcessServesAsync(mode);

    [FullMatrixTheory]
    [MemberData(nameof(CredentialModeServers.OtherModes), MemberType = typeof(CredentialModeServers))]
    public Task A_silo_process_with_nats_storage_and_clustering_serves_with_the_mode_and_an_orleans_client_finds_it(string mode) =>
        SiloProcessServesAsync(mode);

    private async Task SiloProcessServesAsync(string mode)
    {
        var m = await servers.GetAsync(mode);
        var env = new Dictionary<string, string>(m.Env)
        {
            ["OAM_URL"] = m.Url,
            ["OAM_STORAGE"] = "nats",
            ["OAM_CLUSTERING"] = "nats",
            ["OAM_CLUSTER_ID"] = "modes-" + mode,
        };
        if (m.SysUrl is not null)
        {
            env["OAM_MONITOR_SYS_URL"] = m.SysUrl;
        }

        if (m.SysCreds is not null)
        {
            env["OAM_MONITOR_SYS_CREDS"] = m.SysCreds;
        }

        await using var silo = await OamSiloProcess.StartAsync(m.Server, ["demo.counter"], env, TimeSpan.FromSeconds(90));
        OamSiloProcessUrl(silo, m);

        // Conversation state goes through the NATS grain storage: the second turn sees the first.
        await using (var client = await MeshClient.ConnectAsync(options: new MeshClientOptions { Endpoint = m.Endpoint }))
        {
            var conversation = "c-" + Guid.NewGuid().ToString("N");
            Assert.Equal(1, (await client.CallAsync<CounterOut>("demo.counter", new CounterIn(conversation))).Count);
            Assert.Equal(2, (await client.CallAsync<CounterOut>("demo.counter", new CounterIn(conversation))).Count);
        }

        // An external Orleans client finds the silo through the NATS gateway list, with the same credentials.
        var endpoint = m.Endpoint;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c => c
            .UseNatsClustering(o =>
            {
                o.Endpoint = endpoint;
            })
            .Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = "modes-" + mode;
                o.ServiceId = "oam";
            }));
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var hosts = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Single(hosts);
        await host.StopAsync();

        foreach (var secret in m.Secrets)
        {
            Assert.DoesNotContain(secret, silo.RecentOutput);
        }
    }

    /// <summary>The silo's start-up summary names the mesh it serves (redacted).</summary>
    private static void OamSiloProcessUrl(ChildProcess silo, ModeServer m) =>
        Assert.Contains($"127.0.0.1:{m.Server.Port}", silo.RecentOutput);
}
