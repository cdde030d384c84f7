using System.Globalization;
using System.Reflection;
using OamOrleans.Protocol;
using OamOrleans.Testing;

namespace OamOrleans.Liveness.Tests;

/// <summary>The real silo executable (<c>oam-silo.dll</c>, built by this project's reference) as a child process.</summary>
internal static class SiloExecutable
{
    /// <summary>The log line the silo writes once it serves the mesh.</summary>
    public const string ServingLine = "OamOrleans silo is serving the mesh";

    /// <summary>Starts the silo with <c>OAM_URL</c>, free Orleans ports and <paramref name="environment"/> on top.</summary>
    public static ChildProcess Start(string natsUrl, string name, IReadOnlyDictionary<string, string> environment)
    {
        var dll = typeof(SiloExecutable).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "OamSiloAssembly").Value!;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build silo/OamOrleans.Silo (this test project's build does it).");
        }

        var env = new Dictionary<string, string>
        {
            ["OAM_URL"] = natsUrl,
            ["OAM_SILO_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_GATEWAY_PORT"] = NatsServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OAM_CLUSTER_ID"] = "liveness-" + MeshIds.New()[..8],
        };
        foreach (var (key, value) in environment)
        {
            env[key] = value;
        }

        return ChildProcess.Start(new ChildProcessOptions
        {
            Name = name,
            Arguments = ["exec", dll],
            WorkingDirectory = Directory.CreateTempSubdirectory("oam-silo-").FullName,
            DeleteWorkingDirectory = true,
            Environment = env,
        });
    }
}
