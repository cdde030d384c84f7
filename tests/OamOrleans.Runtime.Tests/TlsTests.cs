using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Samples.Agents;
using OamOrleans.Testing;

namespace OamOrleans.Runtime.Tests;

/// <summary>A mesh behind mutual TLS: silo and client connect with the reference's tls_cert / tls_key / tls_ca.</summary>
[Trait("Category", "Integration")]
public sealed class TlsTests
{
    [Fact]
    public async Task Silo_and_client_work_over_mutual_tls_and_a_client_without_a_certificate_is_refused()
    {
        using var certs = TestCertificates.Create();
        var tls = new MeshTls { CertFile = certs.ClientCert, KeyFile = certs.ClientKey, CaFile = certs.CaFile };
        await using var nats = await StartTlsOnlyServerAsync(certs, tls);
        await using var silo = await TestSilo.StartAsync(nats.Url, configure: o =>
        {
            o.Endpoint = o.Endpoint! with { Tls = tls };
        });

        await using (var client = await MeshClient.ConnectAsync(options: new MeshClientOptions { Endpoint = new MeshEndpoint(nats.Url) { Tls = tls } }))
        {
            var reply = await client.CallAsync<EchoOut>("demo.echo", new EchoIn("over mTLS"));
            Assert.Equal("Echo: over mTLS", reply.Reply);
        }

        await Assert.ThrowsAsync<ConnectionFailedException>(async () =>
            await MeshClient.ConnectAsync(options: new MeshClientOptions { Endpoint = new MeshEndpoint(nats.Url) { Tls = new MeshTls { CaFile = certs.CaFile } }, ConnectTimeout = TimeSpan.FromSeconds(3) }));
    }

    [Fact]
    public async Task A_health_monitor_connects_to_a_tls_only_server_and_cleans_up_after_a_host_that_dies()
    {
        using var certs = TestCertificates.Create();
        var tls = new MeshTls { CertFile = certs.ClientCert, KeyFile = certs.ClientKey, CaFile = certs.CaFile };
        await using var nats = await StartTlsOnlyServerAsync(certs, tls, accounts: true);

        // Both of the monitor's own connections (APP and SYS) must use the TLS files: the server takes nothing else.
        await using var monitor = await HealthMonitor.StartAsync(new HealthMonitorOptions
        {
            Url = nats.Url,
            SysUrl = nats.SysUrl,
            Tls = tls,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });

        var instanceId = OamOrleans.Protocol.MeshIds.New();
        var host = new NatsConnection(MeshConnections.Options(new MeshEndpoint(nats.Url, null) { Tls = tls }, instanceId));
        await host.ConnectAsync();
        var registry = await MeshRegistry.OpenAsync(host);
        await registry.PutInstanceAsync(instanceId, []);
        await host.DisposeAsync(); // no graceful deregistration: the record stays, so the monitor must remove it

        await using var observer = nats.Connect("tls-monitor-test");
        var observerRegistry = await MeshRegistry.OpenAsync(observer);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await observerRegistry.ReadInstanceAsync(instanceId) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the monitor did not remove the dead host's instance record within 15 s");
            await Task.Delay(20);
        }

        Assert.True(monitor.AdvisoriesProcessed >= 1);
    }

    [Fact]
    public void A_certificate_without_its_key_is_refused_clearly()
    {
        var error = Assert.Throws<ArgumentException>(() => MeshTls.Resolve(certFile: "/tmp/cert.pem"));
        Assert.Contains("key", error.Message);
    }

    /// <summary>A server that takes TLS connections with a client certificate only.</summary>
    private static Task<NatsServer> StartTlsOnlyServerAsync(TestCertificates certs, MeshTls tls, bool accounts = false) =>
        NatsServer.StartAsync(
            accounts: accounts,
            extraConfig: $$"""
                tls {
                  cert_file: "{{certs.ServerCert}}"
                  key_file: "{{certs.ServerKey}}"
                  ca_file: "{{certs.CaFile}}"
                  verify: true
                }
                """,
            clientOpts: o => o with { TlsOpts = MeshConnections.TlsOptions(tls) });
}
