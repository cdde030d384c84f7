using System.Globalization;
using System.Reflection;
using System.Text.Json;
using NATS.Client.KeyValueStore;
using NATS.Net;

namespace OamOrleans.Testing;

/// <summary>
/// The real silo executable (<c>dotnet exec oam-silo.dll</c>) in its own process, for the tests where a process is the
/// point (crashes, SIGTERM, start-up errors, memory): <c>OAM_URL</c>, free silo and gateway ports, its own cluster id,
/// a temporary working folder (deleted on dispose), console logs in the simple format. Waits fail with its output.
/// </summary>
public static class OamSiloProcess
{
    /// <summary>The log line the silo writes once it serves the mesh (its start-up summary).</summary>
    public const string ServingLine = "OamOrleans silo is serving the mesh";

    /// <summary>
    /// The <c>oam-silo.dll</c> to run: <c>OAM_SILO_DLL</c> if set; else the one a test project's build baked in as
    /// assembly metadata <c>OamSiloAssembly</c> (its project reference to the silo builds it first).
    /// </summary>
    public static string Dll()
    {
        if (Environment.GetEnvironmentVariable("OAM_SILO_DLL") is { Length: > 0 } overridden)
        {
            return File.Exists(overridden) ? overridden : throw new FileNotFoundException($"OAM_SILO_DLL points to a missing file: {overridden}");
        }

        var baked = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic)
            .SelectMany(a => a.GetCustomAttributes<AssemblyMetadataAttribute>())
            .FirstOrDefault(a => a.Key == "OamSiloAssembly")?.Value
            ?? throw new InvalidOperationException("no test assembly names oam-silo.dll (assembly metadata OamSiloAssembly)");
        return File.Exists(baked) ? baked : throw new FileNotFoundException($"{baked} is missing: build silo/OamOrleans.Silo (the test project's build does it).");
    }

    /// <summary>Starts the silo on <paramref name="natsUrl"/> (which may not be up yet) without waiting for anything.</summary>
    /// <param name="environment">More variables, on top of the defaults (e.g. <c>OAM_STORAGE</c>, <c>OAM_CONNECT_TIMEOUT</c>).</param>
    /// <param name="graceful">Dispose stops it with SIGTERM (SIGKILL after 30 s) rather than SIGKILL at once.</param>
    public static ChildProcess Start(string natsUrl, IReadOnlyDictionary<string, string>? environment = null, string name = "the silo", bool graceful = true) =>
        ChildProcess.Start(Options(natsUrl, environment, name, graceful));

    /// <summary>Starts the silo on <paramref name="nats"/> and waits until the catalog lists <paramref name="agents"/>.</summary>
    public static Task<ChildProcess> StartAsync(NatsServer nats, IReadOnlyList<string> agents, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? readyTimeout = null) =>
        ChildProcess.StartAsync(Options(nats.Url, environment, "the silo", graceful: true), silo => WaitForCatalogAsync(silo, nats, agents, readyTimeout ?? TimeSpan.FromSeconds(90)));

    /// <summary>Waits for the silo's start-up summary (<see cref="ServingLine"/>).</summary>
    public static Task<string> WaitUntilServingAsync(ChildProcess silo, TimeSpan timeout) =>
        silo.WaitForLineAsync(l => l.Contains(ServingLine, StringComparison.Ordinal), timeout, "its start-up summary");

    /// <summary>Waits until <c>mesh-catalog</c> on <paramref name="nats"/> lists every one of <paramref name="agents"/>; fails at once if the silo exits.</summary>
    public static async Task WaitForCatalogAsync(ChildProcess silo, NatsServer nats, IReadOnlyList<string> agents, TimeSpan timeout)
    {
        await using var connection = nats.Connect("silo-readiness");
        var kv = connection.CreateKeyValueStoreContext();
        await Poll.UntilAsync(async () =>
        {
            var store = await kv.GetStoreAsync("mesh-catalog");
            var entry = await store.GetEntryAsync<string>("catalog");
            using var doc = JsonDocument.Parse(entry.Value ?? "");
            var names = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToHashSet();
            return agents.All(names.Contains);
        }, $"{silo.Name} lists {string.Join(", ", agents)} in mesh-catalog", timeout, silo, TimeSpan.FromMilliseconds(100));
    }

    private static ChildProcessOptions Options(string natsUrl, IReadOnlyDictionary<string, string>? environment, string name, bool graceful)
    {
        var workDir = Directory.CreateTempSubdirectory("oam-silo-").FullName;
        var env = new Dictionary<string, string>
        {
            ["OAM_URL"] = natsUrl,
            ["OAM_SILO_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_GATEWAY_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_CLUSTER_ID"] = "test-" + Guid.NewGuid().ToString("N")[..8],
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
            Name = name,
            Arguments = ["exec", Dll()],
            WorkingDirectory = workDir,
            DeleteWorkingDirectory = true,
            GracefulStopTimeout = graceful ? TimeSpan.FromSeconds(30) : null,
            Environment = env,
        };
    }
}
