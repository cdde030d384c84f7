using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary><c>oam mesh</c>: lifecycle of a local mesh and inspection of any mesh.</summary>
internal static class MeshCommands
{
    public static Command Build()
    {
        var mesh = new Command("mesh", "Manage the local mesh and inspect a connected mesh.")
        {
            LocalMeshCommands.Up(),
            LocalMeshCommands.Down(),
            Connect(),
            Catalog(),
            Listen(),
            Monitor(),
            MeshHealthCommand.Build(),
            MeshBucketsCommand.Build(),
        };
        return mesh;
    }

    private static Command Connect()
    {
        var url = new Argument<string>("URL") { Description = "NATS URL, e.g. nats://host:4222." };
        var creds = new Option<string?>("--creds") { Description = "Credentials file (.creds) to use for this mesh." };
        var command = new Command("connect", "Point later `oam` commands at a mesh by writing .oam-url in the current directory.") { url, creds };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var target = Path.Combine(Environment.CurrentDirectory, MeshEndpoint.UrlFileName);
            var credsFile = parse.GetValue(creds);
            if (credsFile is not null && !File.Exists(credsFile))
            {
                parse.Stderr().WriteLine($"Warning: creds file not found (yet): {Path.GetFullPath(credsFile)}");
            }

            // TOML, as the reference writes it; a relative creds path is read relative to the .oam-url file.
            var text = credsFile is null
                ? parse.GetValue(url) + "\n"
                : $"url = \"{parse.GetValue(url)}\"\ncreds = \"{credsFile}\"\n";
            await File.WriteAllTextAsync(target, text, ct);
            parse.Stdout().WriteLine($"Wrote {MeshEndpoint.UrlFileName}: {MeshEndpoint.Redact(parse.GetValue(url)!)}{(credsFile is null ? "" : $" with creds {credsFile}")}");
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Catalog()
    {
        var channel = new Option<string?>("--channel") { Description = "Only agents in this channel (name prefix before a dot)." };
        var json = OamCli.JsonOption("Emit JSON instead of a table.");
        var command = new Command("catalog", "List the agents registered in the catalog.") { channel, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var entries = await client.CatalogAsync(new CatalogFilter { Channel = parse.GetValue(channel) }, ct);
            if (parse.GetValue(json))
            {
                var array = new JsonArray();
                foreach (var e in entries)
                {
                    array.Add(new JsonObject
                    {
                        ["name"] = e.Name,
                        ["description"] = e.Description,
                        ["version"] = e.Version,
                        ["tags"] = new JsonArray(e.Tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
                        ["invocable"] = e.Invocable,
                        ["streaming"] = e.Streaming,
                    });
                }

                parse.Stdout().WriteLine(CliOutput.SortedJson(array));
                return OamCli.Ok;
            }

            var rows = entries.Select(e => (IReadOnlyList<string>)[e.Name, e.Streaming ? "yes" : "no", e.Description]).ToList();
            parse.Stdout().WriteLine(CliOutput.Table(["NAME", "STREAMING", "DESCRIPTION"], rows));
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Monitor()
    {
        var sysUrl = new Option<string?>("--sys-url") { Description = "URL of a system-account user, e.g. nats://oam-sys:PASSWORD@127.0.0.1:4222." };
        var sysCreds = new Option<string?>("--sys-creds") { Description = "Credentials file of a system-account user (secured meshes)." };
        var creds = new Option<string?>("--creds") { Description = "Credentials file for the mesh (APP account) connection." };
        var config = new Option<string?>("--config") { Description = "JSON {\"url\", \"sys_url\"} written by `oam mesh up`.", Hidden = true };
        var command = new Command("monitor", "Run the health monitor in the foreground: clean up after hosts that disconnect without shutting down.")
        {
            sysUrl, sysCreds, creds, config,
        };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            string? fileUrl = null, fileSysUrl = null, fileCreds = null, fileSysCreds = null;
            if (parse.GetValue(config) is { } path)
            {
                try
                {
                    var doc = JsonNode.Parse(await File.ReadAllTextAsync(path, ct)) as JsonObject ?? [];
                    fileUrl = doc["url"]?.GetValue<string>();
                    fileSysUrl = doc["sys_url"]?.GetValue<string>();
                    fileCreds = doc["creds"]?.GetValue<string>();
                    fileSysCreds = doc["sys_creds"]?.GetValue<string>();
                }
                catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException)
                {
                    throw new UsageException($"Cannot read monitor config {path}: {e.Message}");
                }
            }

            var endpoint = MeshEndpoint.Resolve(parse.GetValue(OamCli.Url) ?? fileUrl, parse.GetValue(creds) ?? fileCreds);
            var sysCredsFile = parse.GetValue(sysCreds) ?? fileSysCreds;
            var sys = parse.GetValue(sysUrl) ?? fileSysUrl ?? (sysCredsFile is null ? null : endpoint.Url);
            if (sys is null)
            {
                throw new UsageException("The monitor needs a system-account connection: give --sys-url or --sys-creds.");
            }

            var options = new HealthMonitorOptions
            {
                Url = endpoint.Url,
                CredsFile = endpoint.CredsFile,
                SysUrl = sys,
                SysCredsFile = sysCredsFile,
            };
            await using var monitor = await HealthMonitor.StartAsync(options, new StderrLogger(parse.Stderr()), ct);
            parse.Stderr().WriteLine($"Health monitor watching {MeshEndpoint.Redact(endpoint.Url)} (Ctrl-C to stop)");
            await Task.Delay(Timeout.Infinite, ct);
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Listen()
    {
        var subject = new Argument<string>("SUBJECT") { Description = "NATS subject or wildcard, e.g. 'mesh.errors.>'." };
        var json = OamCli.JsonOption("Emit JSON per message: {\"subject\", \"data\"}.");
        var command = new Command("listen", "Tap a subject (NATS wildcards allowed) and print every message until Ctrl-C.") { subject, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var endpoint = OamCli.Endpoint(parse);
            await using var nats = await endpoint.ConnectAsync(MeshSubjects.ConnectionName(MeshIds.New()), cancellationToken: ct);

            var asJson = parse.GetValue(json);
            await using var sub = await nats.SubscribeCoreAsync(parse.GetValue(subject)!, serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: ct);
            // Tell a waiting script (and the tests) that the tap is live: nothing sent before this line is seen.
            await nats.PingAsync(ct);
            parse.Stderr().WriteLine($"Listening on {parse.GetValue(subject)} (Ctrl-C to stop)");
            await foreach (var msg in sub.Msgs.ReadAllAsync(ct))
            {
                var data = msg.Data ?? [];
                if (asJson)
                {
                    parse.Stdout().WriteLine(CliOutput.SortedJson(new JsonObject
                    {
                        ["subject"] = msg.Subject,
                        ["data"] = CliOutput.JsonOrText(data),
                    }));
                }
                else
                {
                    parse.Stdout().WriteLine($"[{msg.Subject}] {Encoding.UTF8.GetString(data)}");
                }
            }

            return OamCli.Ok;
        });
        return command;
    }
}
