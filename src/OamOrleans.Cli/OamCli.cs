using System.CommandLine;
using System.CommandLine.Help;
using System.Text.Json;
using System.Text.Json.Nodes;
using OamOrleans.Client;

namespace OamOrleans.Cli;

/// <summary>
/// The <c>oam</c> command tree (System.CommandLine) and the conventions every command shares: exit 0 on success,
/// 1 on a mesh error (<c>Error [{code}] {message}</c> on stderr), 2 on bad options or a bad JSON payload.
/// </summary>
internal static class OamCli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <summary>
    /// Runs <c>oam args</c>: on the console by default; with <paramref name="configuration"/>'s writers (and an
    /// <see cref="OamInvocation"/>'s input) when given, which is how the tests run it in-process.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? configuration = null, CancellationToken ct = default)
    {
        configuration ??= new InvocationConfiguration();
        var parse = Root.Value.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            foreach (var error in parse.Errors)
            {
                configuration.Error.WriteLine($"Error: {error.Message}");
            }

            configuration.Error.WriteLine($"Try '{CommandPath(parse.CommandResult.Command)} --help' for help.");
            return Usage;
        }

        return await parse.InvokeAsync(configuration, ct);
    }

    /// <summary>The command tree, built once: it holds no state of a run, and <see cref="Url"/> and <see cref="Creds"/> belong to one root.</summary>
    private static readonly Lazy<RootCommand> Root = new(Build);

    public static RootCommand Build()
    {
        var root = new RootCommand("oam: start a local OpenAgentMesh, see what runs on it and call its agents.")
        {
            MeshCommands.Build(),
            AgentCommands.Build(),
            ConversationCommands.Build(),
            ObserveCommands.Build(),
            KvCommands.Build(),
            WorkspaceCommands.Build(),
            McpCommands.Build(),
            UiCommands.Build(),
            DemoCommand.Build(),
            AuthCommands.Build(),
        };
        root.Options.Add(Url);
        root.Options.Add(Creds);
        return root;
    }

    /// <summary>
    /// <c>--url</c>, declared once on the root and inherited by every command: overrides the mesh URL resolution
    /// (<c>OAM_URL</c>, <c>.oam-url</c>, <c>nats://localhost:4222</c>). <c>oam mesh health</c> asks a silo's web port
    /// (<c>--web-url</c>) and reads an http(s) URL given here as that, its former spelling.
    /// </summary>
    public static Option<string?> Url { get; } = new("--url")
    {
        Description = "Mesh URL, comma-separated seeds for a cluster (default: OAM_URL, else .oam-url walking up, else nats://localhost:4222).",
        Recursive = true,
    };

    /// <summary>
    /// <c>--creds</c>, declared once on the root and inherited by every command that connects: a NATS <c>.creds</c> file
    /// (default: <c>OAM_CREDS</c>, else the creds named in <c>.oam-url</c>). <c>oam mesh connect</c> and
    /// <c>oam mesh monitor</c> keep their own meaning of it.
    /// </summary>
    public static Option<string?> Creds { get; } = new("--creds")
    {
        Description = "NATS credentials file (default: OAM_CREDS, else the creds of .oam-url).",
        Recursive = true,
    };

    public static Option<bool> JsonOption(string description = "Sorted, indented JSON instead of text.") => new("--json")
    {
        Description = description,
    };

    /// <summary>Sets the action of <paramref name="command"/>, mapping errors to the CLI's exit codes.</summary>
    public static void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction((parse, ct) => GuardAsync(parse, () => action(parse, ct), ct));

    /// <summary>
    /// Connects a mesh client with the CLI's resolution rules (<c>--url</c>, then OAM_URL, .oam-url, default; <c>--creds</c>,
    /// then OAM_CREDS, .oam-url); buckets it creates get <c>OAM_REPLICAS</c> replicas.
    /// </summary>
    public static async Task<MeshClient> ConnectAsync(ParseResult parse, CancellationToken ct) =>
        await MeshClient.ConnectAsync(options: MeshClientOptions.Default with { Replicas = Replicas(null), Endpoint = Endpoint(parse) }, cancellationToken: ct);

    /// <summary>The mesh the CLI talks to: <c>--url</c> and <c>--creds</c>, else what <see cref="MeshEndpoint.Resolve"/> finds (OAM_*, .oam-url).</summary>
    public static MeshEndpoint Endpoint(ParseResult parse) => MeshEndpoint.Resolve(parse.GetValue(Url), parse.GetValue(Creds));

    /// <summary>The replicas of buckets the CLI creates: <paramref name="option"/>, else <c>OAM_REPLICAS</c>, else 1.</summary>
    /// <exception cref="UsageException">Not a whole number from 1 to 5 (exit 2).</exception>
    public static int Replicas(int? option)
    {
        if (option is { } given)
        {
            return given is >= 1 and <= 5 ? given : throw new UsageException($"--replicas must be from 1 to 5 (JetStream's limit), got {given}");
        }

        var raw = Environment.GetEnvironmentVariable("OAM_REPLICAS");
        if (string.IsNullOrWhiteSpace(raw))
        {
            return 1;
        }

        return int.TryParse(raw, out var fromEnvironment) && fromEnvironment is >= 1 and <= 5
            ? fromEnvironment
            : throw new UsageException($"OAM_REPLICAS must be a whole number from 1 to 5 (JetStream's limit), was '{raw}'");
    }

    /// <summary>Reads the JSON payload from the argument, else from redirected stdin; null when there is none (empty body).</summary>
    /// <exception cref="UsageException">The payload is not JSON (exit 2).</exception>
    public static async Task<byte[]?> ReadPayloadAsync(ParseResult parse, string? argument, CancellationToken ct)
    {
        var raw = argument ?? await parse.ReadInputAsync(ct);

        if (raw is null || string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(raw);
            return JsonSerializer.SerializeToUtf8Bytes(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new UsageException($"Invalid JSON payload: {e.Message}");
        }
    }

    /// <summary>Seconds from a <c>--timeout</c> option; must be positive.</summary>
    public static TimeSpan Seconds(double seconds, string option = "--timeout") =>
        seconds > 0 && double.IsFinite(seconds)
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"{option} must be a positive number of seconds, got {seconds}");

    /// <summary>Prints a reply body: sorted indented JSON with <c>--json</c>, else one line like Python's <c>json.dumps</c>.</summary>
    public static void PrintJson(ParseResult parse, ReadOnlySpan<byte> body, bool json) =>
        PrintJson(parse, CliOutput.ParseOrEmpty(body), json);

    public static void PrintJson(ParseResult parse, JsonNode? node, bool json) =>
        parse.Stdout().WriteLine(json ? CliOutput.SortedJson(node) : CliOutput.PythonJson(node));

    private static async Task<int> GuardAsync(ParseResult parse, Func<Task<int>> action, CancellationToken ct)
    {
        var stderr = parse.Stderr();
        try
        {
            return await action();
        }
        catch (MeshException e)
        {
            CliOutput.WriteError(stderr, e);
            return Failed;
        }
        catch (UsageException e)
        {
            stderr.WriteLine(e.Message);
            return Usage;
        }
        catch (ArgumentException e)
        {
            // e.g. an agent name that breaks the naming rule.
            stderr.WriteLine($"Error: {e.Message}");
            return Usage;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C / SIGTERM on a tail (listen, subscribe, logs, watch): a normal end.
            return Ok;
        }
        catch (NATS.Client.Core.NatsException e) when (!ct.IsCancellationRequested)
        {
            // A NATS failure outside a mesh verb (e.g. a tap or a bucket read): reported like the client's connection errors.
            CliOutput.WriteError(stderr, new ConnectionFailedException(e.Message, innerException: e));
            return Failed;
        }
        catch (CliFailure e)
        {
            stderr.WriteLine(e.Message);
            return Failed;
        }
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is not null; s = s.Parents.FirstOrDefault())
        {
            names.Add(s is RootCommand ? "oam" : s.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}

/// <summary>Bad usage the parser cannot see (a bad JSON payload, an unknown level, conflicting arguments): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A failure that is not a mesh error (e.g. a local mesh that will not start): message on stderr, exit code 1.</summary>
internal sealed class CliFailure(string message) : Exception(message);
