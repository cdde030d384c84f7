using System.Text.RegularExpressions;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace OamOrleans.Nats.Providers.Tests;

/// <summary>
/// There is no Docker engine on this machine: docker-compose.yml and silo/Dockerfile are kept correct by construction
/// and by these checks (everything they reference exists, ports do not collide, silos are wired to NATS).
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string RepoRoot = FindRepoRoot();
    private static readonly YamlMappingNode Compose = LoadCompose();

    /// <summary>The silo settings that mount something able to call agents on the web port.</summary>
    private static readonly string[] PrivilegedWebSettings = ["OAM_DASHBOARD", "OAM_UI", "OAM_MCP"];

    private static YamlMappingNode Services => (YamlMappingNode)Compose["services"];

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

    private static YamlMappingNode LoadCompose()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepoRoot, "docker-compose.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    private static IEnumerable<(string Name, YamlMappingNode Service)> AllServices() =>
        Services.Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, (YamlMappingNode)kv.Value));

    private static YamlNode? Get(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode node, string key) => (Get(node, key) as YamlScalarNode)?.Value;

    [Fact]
    public void Nats_runs_release_2_9_with_jetstream_a_data_volume_and_a_health_check()
    {
        var nats = (YamlMappingNode)Services["nats"];
        Assert.StartsWith("nats:2.9", Scalar(nats, "image"), StringComparison.Ordinal);
        var command = ((YamlSequenceNode)nats["command"]).Children.Select(c => ((YamlScalarNode)c).Value).ToList();
        Assert.Contains("-js", command);
        var storeDir = command[command.IndexOf("-sd") + 1];
        var volumes = ((YamlSequenceNode)nats["volumes"]).Children.Select(v => ((YamlScalarNode)v).Value!).ToList();
        var dataVolume = Assert.Single(volumes, v => v.EndsWith(":" + storeDir, StringComparison.Ordinal));
        var declared = (YamlMappingNode)Compose["volumes"];
        Assert.Contains(new YamlScalarNode(dataVolume.Split(':')[0]), declared.Children.Keys);
        Assert.NotNull(Get(nats, "healthcheck"));
    }

    [Fact]
    public void Three_silos_are_built_from_the_silo_dockerfile_and_use_nats_for_everything()
    {
        var silos = AllServices().Where(s => s.Name.StartsWith("silo", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, silos.Count);
        foreach (var (name, silo) in silos)
        {
            var build = (YamlMappingNode)silo["build"];
            var context = Path.GetFullPath(Path.Combine(RepoRoot, Scalar(build, "context")!));
            Assert.True(Directory.Exists(context), $"{name}: build context {context} is missing");
            var dockerfile = Path.Combine(context, Scalar(build, "dockerfile") ?? "Dockerfile");
            Assert.True(File.Exists(dockerfile), $"{name}: {dockerfile} is missing");
            Assert.Equal(Path.Combine(RepoRoot, "silo", "Dockerfile"), dockerfile);

            var env = (YamlMappingNode)silo["environment"];
            Assert.Equal("nats://nats:4222", Scalar(env, "OAM_URL"));
            Assert.Equal("nats", Scalar(env, "OAM_CLUSTERING"));
            Assert.Equal("nats", Scalar(env, "OAM_STORAGE"));
            Assert.Equal(name, Scalar(env, "OAM_ADVERTISED_HOST"));
            Assert.NotNull(Get(silo, "healthcheck"));

            var dependsOn = (YamlMappingNode)silo["depends_on"];
            foreach (var dependency in dependsOn.Children.Keys.Cast<YamlScalarNode>())
            {
                Assert.Contains(dependency, Services.Children.Keys);
            }

            Assert.Equal("service_healthy", Scalar((YamlMappingNode)dependsOn["nats"], "condition"));
        }
    }

    [Fact]
    public void Published_host_ports_do_not_collide()
    {
        var hostPorts = new List<string>();
        foreach (var (_, service) in AllServices())
        {
            if (Get(service, "ports") is YamlSequenceNode ports)
            {
                foreach (var port in ports.Children.Cast<YamlScalarNode>())
                {
                    var parts = port.Value!.Split(':');
                    Assert.True(parts.Length >= 2, $"port {port.Value} must publish an explicit host port");
                    hostPorts.Add(parts[^2]);
                }
            }
        }

        Assert.NotEmpty(hostPorts);
        Assert.Equal(hostPorts.Count, hostPorts.Distinct().Count());
    }

    [Fact]
    public void Every_path_the_dockerfile_copies_or_builds_exists_in_the_build_context()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(RepoRoot, "silo", "Dockerfile"));
        var sources = new List<string>();
        foreach (var line in dockerfile.Select(l => l.Trim()))
        {
            var copy = CopyLine().Match(line);
            if (copy.Success)
            {
                var args = copy.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                sources.AddRange(args[..^1]);
            }
        }

        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var path = Path.Combine(RepoRoot, source);
            Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY source {source} does not exist in the build context");
        }

        var projects = ProjectPath().Matches(string.Join('\n', dockerfile)).Select(m => m.Value).Distinct().ToList();
        Assert.Contains("silo/OamOrleans.Silo/OamOrleans.Silo.csproj", projects);
        foreach (var project in projects)
        {
            Assert.True(File.Exists(Path.Combine(RepoRoot, project)), $"{project} does not exist");
        }

        // Every project the silo depends on must be inside what the Dockerfile copies.
        foreach (var reference in ProjectGraph(Path.Combine(RepoRoot, "silo/OamOrleans.Silo/OamOrleans.Silo.csproj")))
        {
            var relative = Path.GetRelativePath(RepoRoot, reference).Replace('\\', '/');
            Assert.True(sources.Any(s => relative.StartsWith(s.TrimEnd('/') + "/", StringComparison.Ordinal)), $"{relative} is not copied into the image");
        }

        // The entry point is the silo project's assembly.
        var assemblyName = AssemblyName().Match(File.ReadAllText(Path.Combine(RepoRoot, "silo/OamOrleans.Silo/OamOrleans.Silo.csproj")));
        var dll = (assemblyName.Success ? assemblyName.Groups[1].Value : "OamOrleans.Silo") + ".dll";
        Assert.Contains(dockerfile, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains(dll, StringComparison.Ordinal));
        Assert.Contains(dockerfile, l => l.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10", StringComparison.Ordinal));
        Assert.Contains(dockerfile, l => l.StartsWith("FROM mcr.microsoft.com/dotnet/runtime:10", StringComparison.Ordinal) || l.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10", StringComparison.Ordinal));
    }

    [Fact]
    public void Silo_health_checks_ask_the_readiness_probe_through_the_silo_itself()
    {
        // The aspnet image has neither curl nor wget: `oam-silo --health-check` GETs /health/ready on OAM_HTTP_PORT
        // (the mode itself is tested against a real silo in OamOrleans.Hosting.Web.Tests).
        foreach (var (name, silo) in AllServices().Where(s => s.Name.StartsWith("silo", StringComparison.Ordinal)))
        {
            var test = ((YamlSequenceNode)((YamlMappingNode)silo["healthcheck"])["test"]).Children.Select(c => ((YamlScalarNode)c).Value).ToList();
            Assert.Equal(["CMD", "dotnet", "/app/oam-silo.dll", "--health-check"], test);
            Assert.NotNull(Scalar((YamlMappingNode)silo["environment"], "OAM_HTTP_PORT"));
        }

        var dockerfile = File.ReadAllText(Path.Combine(RepoRoot, "silo", "Dockerfile"));
        Assert.Contains("""CMD ["dotnet", "/app/oam-silo.dll", "--health-check"]""", dockerfile, StringComparison.Ordinal);
        Assert.Contains("OAM_HTTP_PORT=8080", dockerfile, StringComparison.Ordinal);
        // The silo runs on the ASP.NET Core shared framework, which only the aspnet image has.
        Assert.Contains("<FrameworkReference Include=\"Microsoft.AspNetCore.App\" />", File.ReadAllText(Path.Combine(RepoRoot, "silo/OamOrleans.Silo/OamOrleans.Silo.csproj")), StringComparison.Ordinal);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime", dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("nats --server", File.ReadAllText(Path.Combine(RepoRoot, "docker-compose.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Silos_that_mount_the_dashboard_ui_or_mcp_choose_web_auth_and_read_the_token_from_a_secret()
    {
        // The silo refuses to start with a privileged mount and no OAM_HTTP_AUTH (tested on the real silo in Hosting.Web.Tests).
        var secrets = (YamlMappingNode)Compose["secrets"];
        var privileged = AllServices().Where(s => s.Name.StartsWith("silo", StringComparison.Ordinal))
            .Select(s => (s.Name, s.Service, Env: (YamlMappingNode)s.Service["environment"]))
            .Where(s => PrivilegedWebSettings.Any(v => Scalar(s.Env, v) == "true"))
            .ToList();
        Assert.NotEmpty(privileged);
        foreach (var (name, service, env) in privileged)
        {
            Assert.True(Scalar(env, "OAM_HTTP_AUTH") is "token" or "none", $"{name} mounts a privileged web feature without OAM_HTTP_AUTH");
            if (Scalar(env, "OAM_HTTP_AUTH") == "token")
            {
                var file = Scalar(env, "OAM_HTTP_TOKEN_FILE")!;
                Assert.StartsWith("/run/secrets/", file, StringComparison.Ordinal);
                var secret = file["/run/secrets/".Length..];
                Assert.Contains(secret, ((YamlSequenceNode)service["secrets"]).Children.Select(c => ((YamlScalarNode)c).Value));
                Assert.True(secrets.Children.ContainsKey(new YamlScalarNode(secret)), $"secret {secret} is not declared");
            }
        }

        Assert.Contains(".oam-http.token", File.ReadAllLines(Path.Combine(RepoRoot, ".gitignore")));
    }

    private static HashSet<string> ProjectGraph(string project, HashSet<string>? seen = null)
    {
        seen ??= [];
        foreach (Match match in ProjectReference().Matches(File.ReadAllText(project)))
        {
            var referenced = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, match.Groups[1].Value.Replace('\\', '/')));
            Assert.True(File.Exists(referenced), $"{project} references missing {referenced}");
            if (seen.Add(referenced))
            {
                ProjectGraph(referenced, seen);
            }
        }

        return seen;
    }

    [GeneratedRegex(@"^COPY\s+(?!--from)(?<args>.+)$")]
    private static partial Regex CopyLine();

    [GeneratedRegex(@"[\w./-]+\.csproj")]
    private static partial Regex ProjectPath();

    [GeneratedRegex(@"<ProjectReference\s+Include=""([^""]+)""")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"<AssemblyName>([^<]+)</AssemblyName>")]
    private static partial Regex AssemblyName();
}
