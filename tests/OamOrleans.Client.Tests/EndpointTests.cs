using OamOrleans.Testing;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Tests that change process environment variables run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "environment";
}

/// <summary>URL and credential resolution order of the reference (§8): argument, <c>OAM_URL</c>, <c>.oam-url</c>, default.</summary>
[Collection(EnvironmentCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EndpointTests : IDisposable
{
    private readonly string? _savedUrl = Environment.GetEnvironmentVariable("OAM_URL");
    private readonly string? _savedCreds = Environment.GetEnvironmentVariable("OAM_CREDS");
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("oam-endpoint-");

    public EndpointTests()
    {
        Environment.SetEnvironmentVariable("OAM_URL", null);
        Environment.SetEnvironmentVariable("OAM_CREDS", null);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("OAM_URL", _savedUrl);
        Environment.SetEnvironmentVariable("OAM_CREDS", _savedCreds);
        _root.Delete(recursive: true);
    }

    private string Nested()
    {
        var dir = Path.Combine(_root.FullName, "a", "b", "c");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void Argument_wins_over_environment_and_file()
    {
        File.WriteAllText(Path.Combine(_root.FullName, ".oam-url"), "nats://from-file:4222\n");
        Environment.SetEnvironmentVariable("OAM_URL", "nats://from-env:4222");

        Assert.Equal("nats://from-arg:4222", MeshEndpoint.Resolve("nats://from-arg:4222", startDirectory: Nested()).Url);
    }

    [Fact]
    public void Environment_wins_over_file()
    {
        File.WriteAllText(Path.Combine(_root.FullName, ".oam-url"), "nats://from-file:4222\n");
        Environment.SetEnvironmentVariable("OAM_URL", "nats://from-env:4222");

        Assert.Equal("nats://from-env:4222", MeshEndpoint.Resolve(startDirectory: Nested()).Url);
    }

    [Fact]
    public void Bare_url_file_is_found_walking_up()
    {
        File.WriteAllText(Path.Combine(_root.FullName, ".oam-url"), "nats://from-file:4222\n");

        var endpoint = MeshEndpoint.Resolve(startDirectory: Nested());

        Assert.Equal("nats://from-file:4222", endpoint.Url);
        Assert.Null(endpoint.CredsFile);
    }

    [Fact]
    public void Toml_url_file_resolves_creds_relative_to_the_file()
    {
        var dir = Path.Combine(_root.FullName, "a");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, ".oam-url"), "url = \"nats://toml:4222\"\ncreds = \"keys/worker.creds\"\n");

        var endpoint = MeshEndpoint.Resolve(startDirectory: Nested());

        Assert.Equal("nats://toml:4222", endpoint.Url);
        Assert.Equal(Path.Combine(dir, "keys", "worker.creds"), endpoint.CredsFile);
    }

    [Fact]
    public void Creds_resolve_argument_then_environment_then_file()
    {
        File.WriteAllText(Path.Combine(_root.FullName, ".oam-url"), "url = \"nats://toml:4222\"\ncreds = \"file.creds\"\n");
        Assert.Equal(Path.Combine(_root.FullName, "file.creds"), MeshEndpoint.Resolve(startDirectory: Nested()).CredsFile);

        Environment.SetEnvironmentVariable("OAM_CREDS", "/env.creds");
        Assert.Equal("/env.creds", MeshEndpoint.Resolve(startDirectory: Nested()).CredsFile);
        Assert.Equal("/arg.creds", MeshEndpoint.Resolve(creds: "/arg.creds", startDirectory: Nested()).CredsFile);
    }

    [Fact]
    public void Default_is_localhost_4222()
    {
        // The temp root has no .oam-url above it unless the machine has one in /tmp or /.
        var hasAncestorFile = new DirectoryInfo(_root.FullName).Parent is { } p && HasUrlFileAbove(p);

        var endpoint = MeshEndpoint.Resolve(startDirectory: Nested());

        if (!hasAncestorFile)
        {
            Assert.Equal("nats://localhost:4222", endpoint.Url);
            Assert.Null(endpoint.CredsFile);
        }
    }

    [Fact]
    public async Task ConnectAsync_without_url_uses_OAM_URL()
    {
        await using var server = await NatsServer.StartAsync();
        Environment.SetEnvironmentVariable("OAM_URL", server.Url);

        await using var client = await MeshClient.ConnectAsync();

        Assert.Equal(server.Url, client.Connection.Opts.Url);
    }

    private static bool HasUrlFileAbove(DirectoryInfo dir)
    {
        for (DirectoryInfo? d = dir; d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, ".oam-url")))
            {
                return true;
            }
        }

        return false;
    }
}
