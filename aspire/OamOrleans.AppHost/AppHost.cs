using System.Globalization;
using Microsoft.Extensions.Configuration;

// One mesh on this machine: nats-server with JetStream, two silos (NATS clustering and NATS state, so conversations move
// when a silo stops), and the admin UI. Ports come from configuration (OamAppHost:*), so tests can pick free ones.
var builder = DistributedApplication.CreateBuilder(args);
var config = builder.Configuration.GetSection("OamAppHost");
int Port(string key, int fallback) => config.GetValue(key, fallback);
string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

var natsPort = Port("NatsPort", 4222);
var dataDir = config["DataDir"] ?? Path.Combine(Path.GetTempPath(), "oam-apphost-nats");
var natsUrl = $"nats://127.0.0.1:{Text(natsPort)}";

var nats = builder.AddExecutable("nats", config["NatsServer"] ?? "nats-server", ".",
        "-js", "-a", "127.0.0.1", "-p", Text(natsPort), "-sd", dataDir, "-n", "oam-apphost")
    .WithEndpoint(name: "client", scheme: "tcp", port: natsPort, isProxied: false);

for (var i = 1; i <= 2; i++)
{
    builder.AddProject<Projects.OamOrleans_Silo>($"silo{Text(i)}")
        .WithEnvironment("OAM_URL", natsUrl)
        .WithEnvironment("OAM_CLUSTERING", "nats")
        .WithEnvironment("OAM_STORAGE", "nats")
        .WithEnvironment("OAM_SILO_PORT", Text(Port($"Silo{Text(i)}Port", 11110 + i)))
        .WithEnvironment("OAM_GATEWAY_PORT", Text(Port($"Gateway{Text(i)}Port", 30000 + i)))
        .WithEnvironment("OAM_HTTP_PORT", Text(Port($"Http{Text(i)}Port", 8080 + i)))
        .WithEnvironment("OAM_DASHBOARD", "true")
        // A developer's own machine: the dashboard open on purpose. Anywhere others can reach the port, use
        // OAM_HTTP_AUTH=token with OAM_HTTP_TOKEN_FILE (docs/security.md).
        .WithEnvironment("OAM_HTTP_AUTH", "none")
        .WaitFor(nats);                                    // OTEL_EXPORTER_OTLP_ENDPOINT to the dashboard: set by Aspire
}

builder.AddProject<Projects.OamOrleans_Cli>("ui")
    .WithArgs("ui", "--url", natsUrl, "--port", Text(Port("UiPort", 4224)))
    .WithHttpEndpoint(port: Port("UiPort", 4224), name: "http", isProxied: false)
    .WaitFor(nats);

builder.Build().Run();
