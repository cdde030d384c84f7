using System.CommandLine;
using OamOrleans.Client;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam mesh up</c> and <c>oam mesh down</c>: a local mesh in <see cref="MeshRunDirectory.Default"/>, run by a
/// <see cref="LocalMeshSupervisor"/>; these commands print what it reports.
/// </summary>
internal static class LocalMeshCommands
{
    public static Command Up()
    {
        var port = new Option<int>("--port", "-p") { Description = "Port to bind NATS (the websocket listener takes port+1).", DefaultValueFactory = _ => 4222 };
        var foreground = new Option<bool>("--foreground", "-f") { Description = "Run in the foreground; blocks until interrupted." };
        var auth = new Option<bool>("--auth") { Description = "Secure it: operator mode with the accounts and users of `oam auth init` (see --auth-dir)." };
        var authDir = new Option<string>("--auth-dir") { Description = "The `oam auth init` folder used by --auth.", DefaultValueFactory = _ => Auth.AuthDirectory.DefaultDir };
        var replicas = MeshBucketsCommand.ReplicasOption("Replicas of the mesh buckets: 1. A local mesh is one nats-server, which holds 1; for a NATS cluster use `oam mesh buckets --replicas N --url ...`.");
        var command = new Command("up", "Start a local nats-server with JetStream, prime the mesh buckets and write .oam-url.") { port, foreground, auth, authDir, replicas };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(replicas) is { } asked && OamCli.Replicas(asked) > 1)
            {
                throw new UsageException(
                    $"--replicas {asked}: `oam mesh up` starts one local nats-server, which holds one replica of each bucket. "
                    + $"To create the mesh buckets with {asked} replicas on a JetStream cluster, run `oam mesh buckets --replicas {asked} --url nats://node1:4222,nats://node2:4222,...`.");
            }

            var inForeground = parse.GetValue(foreground);
            var supervisor = new LocalMeshSupervisor(MeshRunDirectory.Default);
            var status = await supervisor.StartAsync(parse.GetValue(port), detach: !inForeground, parse.GetValue(auth) ? parse.GetValue(authDir) : null, ct);
            PrintUp(parse.Stdout(), parse.Stderr(), status);
            if (!inForeground)
            {
                parse.Stdout().WriteLine("  Stop it with: oam mesh down");
                return OamCli.Ok;
            }

            parse.Stdout().WriteLine("  Running in the foreground; Ctrl-C stops it.");
            return await supervisor.RunUntilStoppedAsync(ct);
        });
        return command;
    }

    public static Command Down()
    {
        var command = new Command("down", "Stop the local mesh started by `oam mesh up`.");
        OamCli.SetAction(command, (parse, _) =>
        {
            var stopped = new LocalMeshSupervisor(MeshRunDirectory.Default).Stop();
            return Task.FromResult(PrintDown(parse.Stdout(), parse.Stderr(), stopped));
        });
        return command;
    }

    private static void PrintUp(TextWriter stdout, TextWriter stderr, LocalMeshStatus status)
    {
        if (status.MonitorFailure is { } failure)
        {
            stderr.WriteLine($"Warning: could not start the health monitor: {failure}");
        }

        stdout.WriteLine("OpenAgentMesh local mesh is up");
        stdout.WriteLine($"  NATS listening on {status.Url} (JetStream, pid {status.Pid})");
        stdout.WriteLine($"  WebSocket on ws://127.0.0.1:{status.WebSocketPort}");
        stdout.WriteLine($"  Buckets ready: {string.Join(", ", Protocol.MeshBuckets.KeyValue.Append(Protocol.MeshBuckets.Artifacts))}");
        stdout.WriteLine($"  Wrote {MeshEndpoint.UrlFileName}");
        stdout.WriteLine(status.MonitorPid is { } monitor
            ? $"  Health monitor running (pid {monitor})"
            : "  Health monitor not started (see the warning above)");
        stdout.WriteLine($"  Logs: {status.LogFile}");
        if (status.AuthDir is { } authDir)
        {
            stdout.WriteLine($"  Secured: operator mode with the accounts of {authDir}; anonymous connections are refused");
            stdout.WriteLine($"  Connect with a user: oam auth user add NAME --role invoker --dir {authDir}; oam mesh connect {status.Url} --creds NAME.creds");
        }
    }

    private static int PrintDown(TextWriter stdout, TextWriter stderr, LocalMeshStopped stopped)
    {
        if (stopped.MonitorPid is { } monitor)
        {
            stdout.WriteLine($"Stopped health monitor (pid {monitor}).");
        }

        switch (stopped.Outcome)
        {
            case LocalMeshStopOutcome.NotRecorded:
                stderr.WriteLine("No running mesh recorded.");
                return OamCli.Failed;
            case LocalMeshStopOutcome.Stale:
                stdout.WriteLine($"Stale PID file (pid {stopped.Pid} not running). Cleaning up.");
                return OamCli.Ok;
            default:
                stdout.WriteLine($"Stopped mesh (pid {stopped.Pid}).");
                return OamCli.Ok;
        }
    }
}
