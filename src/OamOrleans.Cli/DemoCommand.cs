using System.CommandLine;
using OamOrleans.Client;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam demo</c>: a newcomer's first five minutes. Starts the sample silo (with its embedded nats-server), makes one
/// call and prints it, serves the admin UI and prints what to try next. On a terminal it keeps running (and writes
/// <c>.oam-url</c> so the next commands find the mesh) until Ctrl-C; when its output is not a terminal it stops after
/// printing, as the reference's demo does.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] DemoAgents = ["demo.greet", "demo.echo", "demo.words", "demo.ticker", "demo.counter"];

    public static Command Build()
    {
        var command = new Command("demo", "Start a local mesh with the sample agents, call one, and serve the admin UI (Ctrl-C stops it).");
        OamCli.SetAction(command, RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var stdout = parse.Stdout();
        var interactive = CliConsole.IsTerminal(stdout);
        var silo = DemoSilo.Find() ?? throw new CliFailure(
            "oam demo runs the sample silo (oam-silo) and cannot find it. Build it in the OamOrleans repository with "
            + "'dotnet build silo/OamOrleans.Silo -c Release', or set OAM_SILO to its oam-silo.dll.");
        var natsPort = NatsPort();

        stdout.WriteLine("OamOrleans demo: a local agent mesh in one command");
        stdout.WriteLine();
        stdout.WriteLine($"1. Starting the sample silo with its own nats-server on port {natsPort}…");
        await using var host = DemoSilo.Start(silo, natsPort);
        var url = await WaitForUrlAsync(host, ct);
        await using var mesh = await MeshClient.ConnectAsync(url, MeshClientOptions.Default, ct);
        var agents = await WaitForAgentsAsync(host, mesh, ct);
        stdout.WriteLine($"   Mesh up at {url}: {agents.Count} agents ({string.Join(", ", agents)})");

        stdout.WriteLine("2. Calling demo.greet with \"World\"…");
        var reply = await mesh.CallRawAsync("demo.greet", System.Text.Encoding.UTF8.GetBytes("\"World\""), cancellationToken: ct);
        stdout.WriteLine($"   demo.greet replied {System.Text.Encoding.UTF8.GetString(reply.Json.Span)}");

        await using var ui = await AdminUiServer.StartAsync(AdminUiServer.DefaultHost, AdminUiServer.ChoosePort(AdminUiServer.DefaultHost, AdminUiServer.DefaultPort), MeshEndpoint.Resolve(url), parse.Stderr(), ct);
        stdout.WriteLine($"3. Admin UI running at {ui.Address}");
        stdout.WriteLine();

        var urlFile = Path.Combine(Environment.CurrentDirectory, MeshEndpoint.UrlFileName);
        var wroteUrlFile = interactive && !File.Exists(urlFile);
        if (wroteUrlFile)
        {
            await File.WriteAllTextAsync(urlFile, url + "\n", ct);
        }

        var flag = wroteUrlFile ? "" : $" --url {url}";
        stdout.WriteLine("Next, try (in another terminal):");
        stdout.WriteLine($"  oam mesh catalog{flag}");
        stdout.WriteLine($"  oam agent call demo.echo '{{\"message\": \"hi\"}}'{flag}");
        stdout.WriteLine($"  oam agent stream demo.words '{{\"message\": \"one two three\", \"pauseMs\": 300}}'{flag}");
        stdout.WriteLine($"  oam agent subscribe demo.ticker{flag}");
        stdout.WriteLine($"  oam kv put plan.step1 done{flag}        (watch it appear under Shared context in the UI)");
        stdout.WriteLine($"  oam ui{flag}                            (the same UI, from any folder)");
        if (!interactive)
        {
            stdout.WriteLine();
            stdout.WriteLine("Output is not a terminal: stopping the demo.");
            return OamCli.Ok;
        }

        stdout.WriteLine();
        stdout.WriteLine("The demo runs until Ctrl-C.");
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (wroteUrlFile)
            {
                File.Delete(urlFile);
            }
        }

        stdout.WriteLine("Stopping the demo…");
        return OamCli.Ok;
    }

    /// <summary><c>OAM_NATS_PORT</c> as the silo reads it; else 4222, or a free port when 4222 is taken.</summary>
    private static int NatsPort()
    {
        var configured = Environment.GetEnvironmentVariable("OAM_NATS_PORT");
        if (string.IsNullOrEmpty(configured))
        {
            return AdminUiServer.ChoosePort("127.0.0.1", 4222);
        }

        return int.TryParse(configured, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new UsageException($"OAM_NATS_PORT must be a port number, got '{configured}'");
    }

    /// <summary>The silo writes its embedded server's URL to <c>.oam-url</c> in its folder once the server is up.</summary>
    private static async Task<string> WaitForUrlAsync(DemoSilo host, CancellationToken ct)
    {
        var file = Path.Combine(host.WorkDir, MeshEndpoint.UrlFileName);
        return await WaitAsync(host, async () =>
            File.Exists(file) && (await File.ReadAllTextAsync(file, ct)).Trim() is { Length: > 0 } url ? url : null, "its nats-server", ct);
    }

    private static async Task<IReadOnlyList<string>> WaitForAgentsAsync(DemoSilo host, MeshClient mesh, CancellationToken ct) =>
        await WaitAsync<IReadOnlyList<string>>(host, async () =>
        {
            var names = (await mesh.CatalogAsync(cancellationToken: ct)).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
            return DemoAgents.All(names.Contains) ? names : null;
        }, "its agents", ct);

    private static async Task<T> WaitAsync<T>(DemoSilo host, Func<Task<T?>> probe, string what, CancellationToken ct)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (host.HasExited)
            {
                throw new CliFailure($"The sample silo stopped before serving {what}. Its log ({host.LogFile}):\n{host.RecentLog()}");
            }

            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (MeshException)
            {
                // Not ready yet (e.g. the catalog bucket is not there): try again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }

        throw new CliFailure($"The sample silo did not serve {what} within 90 s. Its log ({host.LogFile}):\n{host.RecentLog()}");
    }
}
