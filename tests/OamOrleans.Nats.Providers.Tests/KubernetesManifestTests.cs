using System.Text.RegularExpressions;
using OamOrleans.Hosting;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>
/// There is no Kubernetes cluster here: the manifests in <c>deploy/kubernetes/</c> are checked against the silo's real
/// settings instead. Every manifest parses, every <c>OAM_*</c> variable the silo Deployment sets is one the silo reads, and
/// the probes use the paths and the port the silo's web port serves.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string RepoRoot = FindRepoRoot();
    private static readonly string ManifestDir = Path.Combine(RepoRoot, "deploy", "kubernetes");

    [Fact]
    public void Every_manifest_parses_as_yaml()
    {
        var files = Directory.GetFiles(ManifestDir, "*.yaml");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var documents = Load(file);
            Assert.True(documents.Count > 0, $"{file} holds no YAML document");
        }
    }

    [Fact]
    public void The_silo_deployment_sets_only_variables_the_silo_reads_and_replicates_every_bucket_three_ways()
    {
        var known = SettingsTheSiloReads();
        var env = SiloContainerEnvironment();
        foreach (var name in env.Keys.Where(n => n.StartsWith("OAM_", StringComparison.Ordinal)))
        {
            Assert.True(known.Contains(name), $"deploy/kubernetes/silo.yaml sets {name}, which the silo does not read (known: {string.Join(", ", known.Order())})");
        }

        Assert.Equal("3", env["OAM_REPLICAS"]);
        Assert.Equal("nats", env["OAM_CLUSTERING"]);
        Assert.Equal("nats", env["OAM_STORAGE"]);
        Assert.Equal(3, env["OAM_URL"]!.Split(',').Length);
        Assert.Equal("status.podIP", Scalar(Map(Map(SiloContainerEnvNode("OAM_ADVERTISED_HOST"), "valueFrom"), "fieldRef"), "fieldPath"));
    }

    [Fact]
    public void The_probes_ask_the_health_paths_on_the_port_the_silo_serves_its_web_endpoint_on()
    {
        var container = SiloContainer();
        var env = SiloContainerEnvironment();
        var ports = ((YamlSequenceNode)container["ports"]).Children.Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name")!, p => Scalar(p, "containerPort"));
        Assert.Equal(env["OAM_HTTP_PORT"], ports["http"]);
        Assert.Equal(env["OAM_SILO_PORT"], ports["silo"]);
        Assert.Equal(env["OAM_GATEWAY_PORT"], ports["gateway"]);

        foreach (var (probe, path) in new[] { ("readinessProbe", MeshHealthPaths.Ready), ("livenessProbe", MeshHealthPaths.Live) })
        {
            var get = Map(Map(container, probe), "httpGet");
            Assert.Equal(path, Scalar(get, "path"));
            var port = Scalar(get, "port")!;
            Assert.Equal(env["OAM_HTTP_PORT"], ports.GetValueOrDefault(port, port));
        }
    }

    [Fact]
    public void Termination_grace_covers_the_silos_drain_and_deregistration_and_a_disruption_budget_keeps_silos_up()
    {
        var spec = PodSpec();
        var grace = int.Parse(Scalar(spec, "terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture);
        var host = new MeshHostOptions();
        Assert.True(grace > host.DrainTimeout.TotalSeconds + host.DeregisterTimeout.TotalSeconds, $"grace {grace} s < drain {host.DrainTimeout} + deregistration {host.DeregisterTimeout}");
        Assert.NotNull(Map(Map(SiloContainer(), "lifecycle"), "preStop"));

        var budget = Load(Path.Combine(ManifestDir, "silo.yaml")).Single(d => Scalar(d, "kind") == "PodDisruptionBudget");
        Assert.Equal("1", Scalar(Map(budget, "spec"), "maxUnavailable"));
    }

    [Fact]
    public void The_nats_values_ask_for_a_three_node_jetstream_cluster_on_file_storage()
    {
        var values = Load(Path.Combine(ManifestDir, "nats-values.yaml")).Single();
        var config = Map(values, "config");
        Assert.Equal("3", Scalar(Map(config, "cluster"), "replicas"));
        var jetstream = Map(config, "jetstream");
        Assert.Equal("true", Scalar(jetstream, "enabled"));
        Assert.Equal("true", Scalar(Map(jetstream, "fileStore"), "enabled"));
    }

    /// <summary>Every <c>OAM_*</c> name the silo and the libraries it hosts read: the string literals in their sources.</summary>
    private static HashSet<string> SettingsTheSiloReads()
    {
        var sources = Directory.GetFiles(Path.Combine(RepoRoot, "silo"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(RepoRoot, "src"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        return sources.SelectMany(f => SettingLiteral().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
    }

    [GeneratedRegex("\"(OAM_[A-Z0-9_]+)\"")]
    private static partial Regex SettingLiteral();

    private static YamlMappingNode PodSpec()
    {
        var deployment = Load(Path.Combine(ManifestDir, "silo.yaml")).Single(d => Scalar(d, "kind") == "Deployment");
        return Map(Map(Map(deployment, "spec"), "template"), "spec");
    }

    private static YamlMappingNode SiloContainer() => ((YamlSequenceNode)PodSpec()["containers"]).Children.Cast<YamlMappingNode>().Single(c => Scalar(c, "name") == "silo");

    private static IEnumerable<YamlMappingNode> SiloContainerEnv() => ((YamlSequenceNode)SiloContainer()["env"]).Children.Cast<YamlMappingNode>();

    private static YamlMappingNode SiloContainerEnvNode(string name) => SiloContainerEnv().Single(e => Scalar(e, "name") == name);

    private static Dictionary<string, string?> SiloContainerEnvironment() => SiloContainerEnv().ToDictionary(e => Scalar(e, "name")!, e => Scalar(e, "value"));

    private static List<YamlMappingNode> Load(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(file);
        yaml.Load(reader);
        return [.. yaml.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OamOrleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OamOrleans.sln not found above " + AppContext.BaseDirectory);
    }
}
