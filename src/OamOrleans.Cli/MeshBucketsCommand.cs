using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using NATS.Client.JetStream;
using NATS.Net;
using OamOrleans.Client;
using OamOrleans.Nats;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam mesh buckets</c>: creates the mesh buckets that are missing (with <c>--replicas</c>, else <c>OAM_REPLICAS</c>, else
/// 1) and lists every one with its replica count and where its replicas are. A bucket with fewer replicas than asked is
/// raised only with <c>--reconcile</c>; otherwise it is named and the exit code is 1.
/// </summary>
internal static class MeshBucketsCommand
{
    public static Command Build()
    {
        var replicas = ReplicasOption("Replicas of the buckets it creates and expects (1-5; default OAM_REPLICAS, else 1). More than 1 needs a JetStream cluster.");
        var reconcile = new Option<bool>("--reconcile") { Description = "Raise the replicas of existing buckets that have fewer than --replicas (never done otherwise)." };
        var json = OamCli.JsonOption();
        var command = new Command("buckets", "Create the missing mesh buckets and show each one's replicas (for a mesh on a NATS cluster).") { replicas, reconcile, json };
        OamCli.SetAction(command, (parse, ct) => RunAsync(parse, OamCli.Replicas(parse.GetValue(replicas)), parse.GetValue(reconcile), parse.GetValue(json), ct));
        return command;
    }

    /// <summary><c>--replicas</c>; null when not given (then <c>OAM_REPLICAS</c>, else 1: <see cref="OamCli.Replicas"/>).</summary>
    public static Option<int?> ReplicasOption(string description) => new("--replicas") { Description = description };

    private static async Task<int> RunAsync(ParseResult parse, int replicas, bool reconcile, bool json, CancellationToken ct)
    {
        var options = MeshClientOptions.Default with { Replicas = replicas, Endpoint = OamCli.Endpoint(parse) };
        await using var client = await MeshClient.ConnectAsync(options: options, cancellationToken: ct);
        var shortfalls = await MeshStores.CheckReplicasAsync(client.Connection, replicas, reconcile, ct);
        var js = client.Connection.CreateJetStreamContext();
        var rows = new List<(string Bucket, int Replicas, string Placement)>();
        foreach (var (bucket, stream) in MeshStores.Streams())
        {
            var info = (await js.GetStreamAsync(stream, cancellationToken: ct)).Info;
            var cluster = info.Cluster;
            var placement = cluster?.Leader is { } leader
                ? string.Join(", ", new[] { leader + " (leader)" }.Concat((cluster.Replicas ?? []).Select(r => r.Name + (r.Current ? "" : " (catching up)"))))
                : "-";
            rows.Add((bucket, Math.Max(1, info.Config.NumReplicas), placement));
        }

        var missing = shortfalls.Where(s => !s.Updated).ToList();
        if (json)
        {
            var array = new JsonArray();
            foreach (var (bucket, count, placement) in rows)
            {
                array.Add(new JsonObject { ["bucket"] = bucket, ["replicas"] = count, ["placement"] = placement, ["wanted"] = replicas });
            }

            parse.Stdout().WriteLine(CliOutput.SortedJson(array));
        }
        else
        {
            parse.Stdout().WriteLine(CliOutput.Table(["BUCKET", "REPLICAS", "PLACEMENT"], [.. rows.Select(r => (IReadOnlyList<string>)[r.Bucket, r.Replicas.ToString(CultureInfo.InvariantCulture), r.Placement])]));
        }

        foreach (var raised in shortfalls.Where(s => s.Updated))
        {
            parse.Stderr().WriteLine($"Raised {raised.Bucket} from {raised.Has} to {raised.Wants} replicas.");
        }

        foreach (var shortfall in missing)
        {
            parse.Stderr().WriteLine($"Warning: {shortfall.Bucket} has {shortfall.Has} replica(s), {shortfall.Wants} wanted; run again with --reconcile to raise it.");
        }

        return missing.Count == 0 ? OamCli.Ok : OamCli.Failed;
    }
}
