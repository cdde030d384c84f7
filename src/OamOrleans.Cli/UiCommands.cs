using System.CommandLine;
using OamOrleans.Client;

namespace OamOrleans.Cli;

/// <summary><c>oam ui</c>: serves the admin web UI for the mesh until Ctrl-C.</summary>
internal static class UiCommands
{
    public static Command Build()
    {
        var port = new Option<int>("--port", "-p") { Description = $"Port to serve on (default {AdminUiServer.DefaultPort}; a free port when it is taken).", DefaultValueFactory = _ => AdminUiServer.DefaultPort };
        var host = new Option<string?>("--host") { Description = $"Address to bind (default {AdminUiServer.DefaultHost}, or {AdminUiServer.HostVariable}). Anything but loopback exposes the mesh to the network: set OAM_HTTP_AUTH=token and OAM_HTTP_TOKEN_FILE for a login page." };
        var check = new Option<bool>("--check") { Description = "Print what it would serve, then exit." };
        var command = new Command("ui", "Serve the admin web UI: registry, agent sandbox, event tap, logs, shared context, usage, Orleans silos.") { port, host, check };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var requested = parse.GetValue(port);
            if (requested is < 1 or > 65535)
            {
                throw new UsageException($"--port must be between 1 and 65535, got {requested}");
            }

            var bindHost = AdminUiServer.ResolveHost(parse.GetValue(host));
            var chosen = AdminUiServer.ChoosePort(bindHost, requested);
            var endpoint = OamCli.Endpoint(parse);
            var auth = ReadAuth();
            if (parse.GetValue(check))
            {
                var stdout = parse.Stdout();
                stdout.WriteLine($"Admin UI would serve {AdminUiServer.Url(bindHost, chosen)}{(chosen == requested ? "" : $" (port {requested} is taken)")}");
                stdout.WriteLine($"  mesh: {Redacted(endpoint.Url)}{(endpoint.CredsFile is null ? "" : $" with creds {endpoint.CredsFile}")} (used by the server only; the browser never gets credentials)");
                stdout.WriteLine("  pages: / (registry), /agents/{name}, /events, /logs, /kv, /usage, /orleans");
                stdout.WriteLine(AdminUiServer.IsLoopback(bindHost) ? "  bound to loopback only" : $"  WARNING: bound to {bindHost}, beyond loopback");
                stdout.WriteLine($"  auth: {auth.Describe()}");
                return OamCli.Ok;
            }

            await using var server = await AdminUiServer.StartAsync(bindHost, chosen, endpoint, parse.Stderr(), ct, auth);
            parse.Stdout().WriteLine($"Admin UI running at {server.Address} (mesh {Redacted(endpoint.Url)}; Ctrl-C stops it)");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            return OamCli.Ok;
        });
        return command;
    }

    /// <summary>The web port's auth, as a silo reads it: <c>OAM_HTTP_AUTH</c> and <c>OAM_HTTP_TOKEN_FILE</c>.</summary>
    private static WebAuth.HttpAuthSettings ReadAuth()
    {
        try
        {
            return WebAuth.HttpAuthSettings.Read(
                Environment.GetEnvironmentVariable(WebAuth.HttpAuthSettings.ModeVariable), Environment.GetEnvironmentVariable(WebAuth.HttpAuthSettings.TokenFileVariable),
                WebAuth.HttpAuthSettings.ModeVariable, WebAuth.HttpAuthSettings.TokenFileVariable);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The URL without its password or token.</summary>
    public static string Redacted(string url) => MeshEndpoint.Redact(url);
}
