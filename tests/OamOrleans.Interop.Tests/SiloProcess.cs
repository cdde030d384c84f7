using System.Globalization;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Net;
using OamOrleans.Testing;

namespace OamOrleans.Interop.Tests;

/// <summary>
/// The real silo executable (<c>dotnet oam-silo.dll</c>) in its own process, connected to a test nats-server
/// through <c>OAM_URL</c>, on free silo and gateway ports, in a temporary working folder. Dispose stops it with
/// SIGTERM (SIGKILL after 30 s).
/// </summary>
internal static class SiloProcess
{
    /// <summary>The sample agents the silo hosts.</summary>
    public static readonly IReadOnlyList<string> SampleAgents =
        ["demo.clock", "demo.counter", "demo.echo", "demo.fail", "demo.greet", "demo.shout"];

    /// <summary>Starts the silo and waits until the catalog lists every sample agent.</summary>
    public static Task<ChildProcess> StartAsync(NatsServer nats, TimeSpan readyTimeout) =>
        ChildProcess.StartAsync(Options(nats.Url), silo => WaitForCatalogAsync(silo, nats, readyTimeout));

    /// <summary>Starts the silo on <paramref name="natsUrl"/> (which may not be up yet) without waiting for anything.</summary>
    public static ChildProcess Start(string natsUrl, IReadOnlyDictionary<string, string>? environment = null) =>
        ChildProcess.Start(Options(natsUrl, environment));

    /// <summary>Waits until the silo's catalog on <paramref name="nats"/> lists every sample agent.</summary>
    public static Task WaitUntilServingAsync(ChildProcess silo, NatsServer nats, TimeSpan timeout) => WaitForCatalogAsync(silo, nats, timeout);

    private static ChildProcessOptions Options(string natsUrl, IReadOnlyDictionary<string, string>? environment = null)
    {
        var workDir = Directory.CreateTempSubdirectory("oam-interop-silo-").FullName;
        var env = new Dictionary<string, string>
        {
            ["OAM_URL"] = natsUrl,
            ["OAM_SILO_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_GATEWAY_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_DATA_DIR"] = Path.Combine(workDir, ".oam-data"),
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        return new ChildProcessOptions
        {
            Name = "the silo",
            Arguments = [InteropPaths.SiloDll()],
            WorkingDirectory = workDir,
            DeleteWorkingDirectory = true,
            GracefulStopTimeout = TimeSpan.FromSeconds(30),
            Environment = env,
        };
    }

    private static async Task WaitForCatalogAsync(ChildProcess silo, NatsServer nats, TimeSpan timeout)
    {
        await using var connection = nats.Connect("interop-readiness");
        var kv = connection.CreateKeyValueStoreContext();
        var deadline = DateTime.UtcNow + timeout;
        var last = "(no catalog yet)";
        while (DateTime.UtcNow < deadline)
        {
            silo.ThrowIfExited("before it registered its agents");
            try
            {
                var store = await kv.GetStoreAsync("mesh-catalog");
                var entry = await store.GetEntryAsync<string>("catalog");
                last = entry.Value ?? "";
                using var doc = JsonDocument.Parse(last);
                var names = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToHashSet();
                if (SampleAgents.All(names.Contains))
                {
                    return;
                }
            }
            catch (Exception e) when (e is NatsException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                last = e.Message;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the silo did not list {string.Join(", ", SampleAgents)} in mesh-catalog within {timeout.TotalSeconds:0} s (last: {last}):\n{silo.RecentOutput}");
    }
}
