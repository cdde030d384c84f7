using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam agent health NAME</c>: listens to <c>mesh.health.NAME</c> for a window and compares the instances that beat with
/// those the registry lists for the agent. An instance listed but silent is a host that hung without a death notice.
/// Exit 0 when every registered instance beat, 1 otherwise (or when none is registered).
/// </summary>
internal static class AgentHealthCommand
{
    /// <summary>The default window: 2.5 beats of the host's default 10 s interval.</summary>
    private const double DefaultWaitSeconds = 25;

    public static Command Build()
    {
        var name = new Argument<string>("NAME") { Description = "Agent name, e.g. demo.echo." };
        var wait = new Option<double>("--wait")
        {
            Description = "Seconds to listen for beats; ends early once every registered instance has beaten.",
            DefaultValueFactory = _ => DefaultWaitSeconds,
        };
        var json = OamCli.JsonOption("Print {agent, healthy, instances: [{instance_id, registered, silent, beat}], totals} as sorted JSON.");
        var command = new Command("health", "Show the heartbeats (mesh.health.NAME) of an agent's instances and which registered instances are silent.") { name, wait, json };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var agent = parse.GetValue(name)!;
            AgentName.Validate(agent, "NAME");
            var window = OamCli.Seconds(parse.GetValue(wait), "--wait");
            await using var client = await OamCli.ConnectAsync(parse, ct);
            // Subscribed before the registry is read: no beat sent meanwhile is missed.
            await using var beats = await client.Connection.SubscribeCoreAsync<byte[]>(MeshSubjects.Health(agent), cancellationToken: ct);
            var registry = await MeshRegistry.OpenAsync(client.Connection, ct);
            var registered = await registry.InstancesOfAsync(agent, ct);
            var latest = await ListenAsync(beats, registered, window, ct);
            var report = Report(agent, window, registered, latest);
            if (parse.GetValue(json))
            {
                parse.Stdout().WriteLine(CliOutput.SortedJson(report));
            }
            else
            {
                PrintText(parse.Stdout(), agent, window, registered, latest);
            }

            return report["healthy"]!.GetValue<bool>() ? OamCli.Ok : OamCli.Failed;
        });
        return command;
    }

    /// <summary>Each instance's latest beat, until the window ends or every registered instance has beaten.</summary>
    private static async Task<SortedDictionary<string, HealthBeat>> ListenAsync(INatsSub<byte[]> beats, IReadOnlyList<string> registered, TimeSpan window, CancellationToken ct)
    {
        var latest = new SortedDictionary<string, HealthBeat>(StringComparer.Ordinal);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(window);
        try
        {
            await foreach (var msg in beats.Msgs.ReadAllAsync(deadline.Token))
            {
                var beat = HealthBeat.Parse(msg.Data);
                if (beat.InstanceId.Length == 0)
                {
                    continue; // not a beat
                }

                latest[beat.InstanceId] = beat;
                if (registered.Count > 0 && registered.All(latest.ContainsKey))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // the window ended
        }

        return latest;
    }

    private static JsonObject Report(string agent, TimeSpan window, IReadOnlyList<string> registered, SortedDictionary<string, HealthBeat> latest)
    {
        var instances = new JsonArray();
        foreach (var id in registered.Union(latest.Keys).Order(StringComparer.Ordinal))
        {
            var beat = latest.GetValueOrDefault(id);
            instances.Add(new JsonObject
            {
                ["instance_id"] = id,
                ["registered"] = registered.Contains(id),
                ["silent"] = beat is null,
                ["beat"] = beat is null ? null : JsonNode.Parse(beat.ToJsonBytes()),
            });
        }

        var beats = latest.Values;
        return new JsonObject
        {
            ["agent"] = agent,
            ["wait_s"] = window.TotalSeconds,
            ["healthy"] = registered.Count > 0 && registered.All(latest.ContainsKey),
            ["instances"] = instances,
            ["totals"] = new JsonObject
            {
                ["in_flight"] = beats.Sum(b => b.InFlight),
                ["queued"] = beats.Sum(b => b.Queued),
                ["shed"] = beats.Sum(b => b.Shed),
                ["requests"] = beats.Sum(b => b.Requests),
                ["errors"] = beats.Sum(b => b.Errors),
            },
        };
    }

    private static void PrintText(TextWriter output, string agent, TimeSpan window, IReadOnlyList<string> registered, SortedDictionary<string, HealthBeat> latest)
    {
        var silent = registered.Where(id => !latest.ContainsKey(id)).ToList();
        var wait = window.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        output.WriteLine($"{agent}: {registered.Count} instance(s) registered, {latest.Count} beating, {silent.Count} silent (listened up to {wait} s)");
        foreach (var (id, b) in latest)
        {
            var note = registered.Contains(id) ? "" : "  (not in the registry)";
            var lastError = b.LastErrorCode ?? "-";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {id}  {b.Timestamp}  in_flight {b.InFlight}  queued {b.Queued}  shed {b.Shed}  requests {b.Requests}  errors {b.Errors}  avg {b.AvgLatencyMs:0.###} ms  last_error {lastError}  every {b.IntervalMs} ms{note}"));
        }

        foreach (var id in silent)
        {
            output.WriteLine($"  {id}  SILENT: registered, but sent no beat in {wait} s");
        }

        var beats = latest.Values;
        output.WriteLine($"Totals of the latest beats: in_flight {beats.Sum(b => b.InFlight)}, queued {beats.Sum(b => b.Queued)}, shed {beats.Sum(b => b.Shed)}, requests {beats.Sum(b => b.Requests)}, errors {beats.Sum(b => b.Errors)}");
        if (registered.Count == 0)
        {
            output.WriteLine($"No instance of '{agent}' is registered.");
        }
    }
}
