using System.Text.Json.Nodes;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// The real tool as a separate process (<c>dotnet oam.dll</c>), for what only a process shows: its exit code, piped stdin,
/// raw bytes on stdout and SIGTERM ending a tail. Everything else runs in-process (<see cref="OamInProcess"/>).
/// </summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ProcessTests(MeshFixture mesh)
{
    [Fact]
    public async Task The_executable_reads_the_payload_from_piped_stdin_and_exits_0()
    {
        var r = await OamTool.RunAsync(["agent", "call", "demo.echo"], mesh.Url, stdin: """{"message": "from stdin"}""", cwd: mesh.WorkDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Echo: from stdin", JsonNode.Parse(r.Stdout)!["reply"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_executable_exits_1_on_a_mesh_error_and_2_on_bad_options()
    {
        var notFound = await mesh.OamProcess("agent", "call", "nobody.here", "{}", "--timeout", "5");
        Assert.Equal(1, notFound.ExitCode);
        Assert.StartsWith("Error [not_found] ", notFound.Stderr, StringComparison.Ordinal);

        var unknown = await mesh.OamProcess("agent", "call", "demo.echo", "{}", "--no-such-option");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--no-such-option", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workspace_put_from_piped_stdin_and_get_to_stdout_keep_the_bytes()
    {
        var key = $"cli/{Guid.NewGuid():N}/piped.txt";
        const string content = "piped through stdin: grüße, 日本\n";
        var put = await OamTool.RunAsync(["workspace", "put", key], mesh.Url, stdin: content, cwd: mesh.WorkDir);
        Assert.True(put.ExitCode == 0, put.ToString());

        var get = await mesh.OamProcess("workspace", "get", key);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(content, get.Stdout);
    }

    [Fact]
    public async Task Sigterm_ends_a_tail_with_exit_0()
    {
        await using var listen = OamTool.StartLong(["mesh", "listen", "cli.sigterm." + Guid.NewGuid().ToString("N")[..8]], mesh.Url, mesh.WorkDir);
        await listen.WaitForAsync((_, e) => e.Contains("Listening on", StringComparison.Ordinal), what: "the tap");
        await listen.TerminateAsync();
        Assert.Equal(0, await listen.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }
}
