using System.Globalization;
using System.Reflection;
using NATS.Client.Core;
using OamOrleans.Client;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Reliability.Tests;

/// <summary>
/// The real silo executable (<c>oam-silo.dll</c>, built by this project's reference) in its own process, on a test
/// nats-server, with free Orleans ports and its own cluster id. Dispose stops it with SIGTERM (SIGKILL after 30 s).
/// </summary>
internal static class SiloUnderTest
{
    /// <summary>Starts the silo and waits until the catalog lists <paramref name="agents"/>.</summary>
    /// <param name="settings">More <c>OAM_*</c> variables (e.g. <c>OAM_MAX_QUEUED_REQUESTS</c>).</param>
    public static async Task<ChildProcess> StartAsync(NatsServer nats, string storage, IReadOnlyList<string> agents, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["OAM_URL"] = nats.Url,
            ["OAM_CLUSTERING"] = "localhost",
            ["OAM_STORAGE"] = storage,
            ["OAM_SILO_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_GATEWAY_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_CLUSTER_ID"] = "reliability-" + MeshIds.New()[..8],
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var workDir = Directory.CreateTempSubdirectory("oam-reliability-silo-").FullName;
        return await ChildProcess.StartAsync(
            new ChildProcessOptions
            {
                Name = "the silo",
                Arguments = ["exec", Dll()],
                WorkingDirectory = workDir,
                DeleteWorkingDirectory = true,
                GracefulStopTimeout = TimeSpan.FromSeconds(30),
                Environment = environment,
            },
            silo => WaitForCatalogAsync(silo, nats, agents));
    }

    /// <summary>The oam-silo.dll this project's build produced.</summary>
    public static string Dll()
    {
        var dll = typeof(SiloUnderTest).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "OamSiloAssembly").Value!;
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build silo/OamOrleans.Silo (this test project's build does it).");
    }

    private static async Task WaitForCatalogAsync(ChildProcess silo, NatsServer nats, IReadOnlyList<string> agents)
    {
        await using var connection = nats.Connect("reliability-readiness");
        var registry = await MeshRegistry.OpenAsync(connection);
        await Wait.UntilAsync(async () =>
        {
            var names = (await registry.ReadCatalogAsync()).Entries.Select(e => e.Name).ToHashSet();
            return agents.All(names.Contains);
        }, $"the silo lists {string.Join(", ", agents)} in mesh-catalog", TimeSpan.FromSeconds(90), silo);
    }
}

/// <summary>Waits on conditions, with deadlines.</summary>
internal static class Wait
{
    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; its errors count as "not yet" (the mesh may be restarting).
    /// Fails at once if <paramref name="process"/> exits, and with its recent output on timeout.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, ChildProcess? process = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            process?.ThrowIfExited($"while waiting until {what}");
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e)
            {
                last = e;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting until {what} (last error: {last?.Message ?? "none"})\n{process?.RecentOutput}");
            }

            await Task.Delay(25);
        }
    }
}
