using System.Text;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Liveness.Tests;

/// <summary>
/// A minimal OAM agent host in its own OS process: this test assembly started with
/// <c>host &lt;url&gt; &lt;instance-id&gt; &lt;agent&gt;...</c> (see <see cref="HostProgram"/>).
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private HostProcess(ChildProcess process, string instanceId)
    {
        _process = process;
        InstanceId = instanceId;
    }

    public string InstanceId { get; }

    public static async Task<HostProcess> StartAsync(string url, string instanceId, IReadOnlyList<string> agents)
    {
        var (process, _) = await ChildProcess.StartTestAssemblyAsync(
            typeof(HostProcess).Assembly, "the host process", ["host", url, instanceId, .. agents], "READY", TimeSpan.FromSeconds(30));
        return new HostProcess(process, instanceId);
    }

    /// <summary>SIGKILL: no code of the host runs; its TCP connection is closed by the kernel.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>Graceful exit as the protocol asks (§4.3 step 6): delete the instance record, then close the connection.</summary>
    public async Task StopGracefullyAsync()
    {
        await _process.WriteLineAsync("graceful");
        if (!await _process.WaitForExitAsync(TimeSpan.FromSeconds(20)))
        {
            throw new TimeoutException($"the host did not exit within 20 s of 'graceful':\n{_process.RecentOutput}");
        }

        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"host exited with code {_process.ExitCode}:\n{_process.RecentOutput}");
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>Entry point when the test assembly runs as a fake agent host (see <see cref="HostProcess"/>).</summary>
public static class HostProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["host", var url, var instanceId, .. var agents] || agents.Length == 0)
        {
            await Console.Error.WriteLineAsync("usage: host <nats-url> <instance-id> <agent>...");
            return 2;
        }

        // Named oam-host-{instance_id} like every OAM host, so the health monitor recognises it.
        await using var connection = new NatsConnection(MeshConnections.Options(new MeshEndpoint(url, null), instanceId));
        await connection.ConnectAsync();
        var registry = await MeshRegistry.OpenAsync(connection);
        var serving = new List<Task>();
        foreach (var agent in agents)
        {
            var sub = await connection.SubscribeCoreAsync<byte[]>(MeshSubjects.Agent(agent), queueGroup: MeshSubjects.QueueGroup(agent));
            serving.Add(Task.Run(async () =>
            {
                var reply = Encoding.UTF8.GetBytes($$"""{"agent":"{{agent}}","instance_id":"{{instanceId}}"}""");
                await foreach (var msg in sub.Msgs.ReadAllAsync())
                {
                    await msg.ReplyAsync(reply);
                }
            }));
            await registry.RegisterAsync(new AgentContract { Name = agent, Description = "Liveness test agent.", RegisteredAt = MeshIds.Now() });
        }

        await registry.PutInstanceAsync(instanceId, agents);
        await connection.PingAsync();
        Console.WriteLine("READY");

        // Runs until killed. "graceful" deletes the instance record first (and nothing else, so tests can see that the
        // monitor leaves a graceful host alone); a closed stdin (the test runner died) just exits.
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "graceful")
            {
                await registry.DeleteInstanceAsync(instanceId);
                break;
            }
        }

        return 0;
    }
}
