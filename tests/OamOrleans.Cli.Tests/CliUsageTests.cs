namespace OamOrleans.Cli.Tests;

/// <summary>
/// The CLI's conventions that need no mesh, run in-process (<see cref="OamInProcess"/>): parse errors and help on the
/// configured writers, usage errors with exit code 2 before anything connects, and a mesh that does not answer.
/// </summary>
public sealed class CliUsageTests
{
    [Fact]
    public async Task An_unknown_command_prints_the_error_and_where_to_find_help_and_exits_2()
    {
        var r = await OamInProcess.RunAsync(["agent", "yell", "demo.echo"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("Error: ", r.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("Try 'oam agent --help' for help.\n", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_is_written_to_the_configured_output_with_the_inherited_options()
    {
        var r = await OamInProcess.RunAsync(["agent", "call", "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Usage:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--url", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--creds", r.Stdout, StringComparison.Ordinal);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public async Task A_bad_json_payload_exits_2_before_connecting()
    {
        var r = await OamInProcess.RunAsync(["agent", "call", "demo.echo", "{not json"], url: Unreachable());
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("Invalid JSON payload: ", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public async Task An_unreachable_mesh_is_connection_failed_with_exit_code_1()
    {
        var r = await OamInProcess.RunAsync(["agent", "call", "demo.echo", "{}"], url: Unreachable());
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Error [connection_failed] ", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", "`oam mesh up` starts one local nats-server, which holds one replica")]
    [InlineData("9", "--replicas must be from 1 to 5")]
    public async Task Mesh_up_with_more_than_one_replica_points_to_mesh_buckets(string replicas, string message)
    {
        var r = await OamInProcess.RunAsync(["mesh", "up", "--replicas", replicas]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mesh_health_help_shows_one_url_of_each_kind_the_web_port_and_the_inherited_mesh_url()
    {
        var r = await OamInProcess.RunAsync(["mesh", "health", "--help"]);
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n');
        Assert.Single(lines, l => l.TrimStart().StartsWith("--web-url", StringComparison.Ordinal));
        var url = Assert.Single(lines, l => l.TrimStart().StartsWith("--url", StringComparison.Ordinal));
        Assert.Contains("Mesh URL", url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--web-url")]
    [InlineData("--url")]
    public async Task Mesh_health_asks_the_web_port_given_as_web_url_or_as_the_former_url(string option)
    {
        var closed = OamOrleans.Testing.NatsServer.FreePort();
        var r = await OamInProcess.RunAsync(["mesh", "health", option, $"http://127.0.0.1:{closed}"]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"Error: no answer from http://127.0.0.1:{closed}/health/ready", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--web-url")]
    [InlineData("--url")]
    public async Task Mesh_health_refuses_a_nats_url_naming_the_option_it_came_from(string option)
    {
        var r = await OamInProcess.RunAsync(["mesh", "health", option, "nats://127.0.0.1:4222"]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"Error: {option} must be an http:// or https:// URL", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not connect to the mesh", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A port nothing listens on (taken from the OS and released).</summary>
    private static string Unreachable() => $"nats://127.0.0.1:{OamOrleans.Testing.NatsServer.FreePort()}";
}
