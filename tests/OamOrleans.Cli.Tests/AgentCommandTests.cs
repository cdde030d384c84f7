using System.Text.Json.Nodes;

namespace OamOrleans.Cli.Tests;

/// <summary><c>oam agent call|contract</c> and <c>oam mesh catalog</c>, run in-process against a real silo and nats-server.</summary>
[Collection(MeshCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AgentCommandTests(MeshFixture mesh)
{
    [Fact]
    public async Task Call_prints_the_reply_like_python_json_dumps()
    {
        var r = await mesh.Oam("agent", "call", "demo.echo", """{"message":"hi"}""");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""{"reply": "Echo: hi"}""" + "\n", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public async Task Call_with_json_prints_sorted_indented_json()
    {
        var r = await mesh.Oam("agent", "call", "demo.counter", "{}", "--json", "--conversation", "cli-json-" + Guid.NewGuid().ToString("N"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal("{", lines[0]);
        Assert.StartsWith("  \"conversationId\": ", lines[1], StringComparison.Ordinal);
        Assert.Equal("  \"count\": 1", lines[2]);
        Assert.Equal("}", lines[3]);
    }

    [Fact]
    public async Task Call_reads_the_payload_from_stdin()
    {
        var r = await mesh.OamWithStdin("""{"message": "from stdin"}""", "agent", "call", "demo.echo");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Echo: from stdin", JsonNode.Parse(r.Stdout)!["reply"]!.GetValue<string>());
    }

    [Fact]
    public async Task Call_sends_scalars()
    {
        var r = await mesh.Oam("agent", "call", "demo.greet", "\"Ann\"");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("\"Hello, Ann\"\n", r.Stdout);
    }

    [Fact]
    public async Task Conversation_option_selects_the_conversation_state()
    {
        var conversation = "cli-" + Guid.NewGuid().ToString("N");
        for (var turn = 1; turn <= 3; turn++)
        {
            var r = await mesh.Oam("agent", "call", "demo.counter", "{}", "--conversation", conversation, "--json");
            Assert.True(r.ExitCode == 0, r.ToString());
            var reply = JsonNode.Parse(r.Stdout)!;
            Assert.Equal(turn, reply["count"]!.GetValue<int>());
            Assert.Equal(conversation, reply["conversationId"]!.GetValue<string>());
        }

        var other = await mesh.Oam("agent", "call", "demo.counter", "{}", "--conversation", conversation + "-other", "--json");
        Assert.Equal(1, JsonNode.Parse(other.Stdout)!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Unknown_agent_is_not_found_with_exit_code_1()
    {
        var r = await mesh.Oam("agent", "call", "nobody.here", "{}", "--timeout", "5");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.StartsWith("Error [not_found] Agent 'nobody.here' not found", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_error_is_reported_with_exit_code_1()
    {
        var r = await mesh.Oam("agent", "call", "demo.fail", """{"message":"x"}""");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Error [handler_error] ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("demo.fail refused 'x'", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_input_prints_the_details_as_json()
    {
        var r = await mesh.Oam("agent", "call", "demo.echo", """{"message": 42}""");
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stderr.Split('\n', 2);
        Assert.StartsWith("Error [invalid_input] ", lines[0], StringComparison.Ordinal);
        var details = JsonNode.Parse(lines[1])!;
        Assert.NotEmpty(details["errors"]!.AsArray());
    }

    [Fact]
    public async Task Bad_options_exit_2()
    {
        var unknown = await mesh.Oam("agent", "call", "demo.echo", "{}", "--no-such-option");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--no-such-option", unknown.Stderr, StringComparison.Ordinal);

        var badTimeout = await mesh.Oam("agent", "call", "demo.echo", "{}", "--timeout", "soon");
        Assert.Equal(2, badTimeout.ExitCode);

        var missingName = await mesh.Oam("agent", "call");
        Assert.Equal(2, missingName.ExitCode);

        var unknownCommand = await mesh.Oam("agent", "yell", "demo.echo");
        Assert.Equal(2, unknownCommand.ExitCode);
    }

    [Fact]
    public async Task Timeout_is_a_mesh_error_with_the_reference_message()
    {
        // A subscriber that never answers counts as a responder, so the call waits out its deadline.
        await using var nats = mesh.Nats.Connect();
        await nats.ConnectAsync();
        await using var sub = await nats.SubscribeCoreAsync<byte[]>("mesh.agent.silent.agent");
        await nats.PingAsync();
        var r = await mesh.Oam("agent", "call", "silent.agent", "{}", "--timeout", "0.5");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Error [timeout] No message on mesh.agent.silent.agent within 0.5s", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Url_and_creds_given_before_the_command_are_inherited_by_it()
    {
        // As a process: the root's --url must win over the OAM_URL of the environment.
        var unused = $"nats://127.0.0.1:{OamOrleans.Testing.NatsServer.FreePort()}";
        var call = await OamTool.RunAsync(["--url", mesh.Url, "agent", "call", "demo.echo", """{"message":"hi"}"""], url: unused, cwd: mesh.WorkDir);
        var missingCreds = await OamTool.RunAsync(["--creds", Path.Combine(mesh.WorkDir, "nobody.creds"), "mesh", "catalog"], mesh.Url, cwd: mesh.WorkDir);

        Assert.True(call.ExitCode == 0, call.ToString()); // the root's --url wins over OAM_URL
        Assert.Contains("Echo: hi", call.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, missingCreds.ExitCode); // the root's --creds reached the connection
        Assert.Contains("nobody.creds", missingCreds.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catalog_prints_a_table()
    {
        var r = await mesh.Oam("mesh", "catalog");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches("^NAME +STREAMING +DESCRIPTION$", lines[0]);
        var descriptionColumn = lines[0].IndexOf("DESCRIPTION", StringComparison.Ordinal);
        var echo = Assert.Single(lines, l => l.StartsWith("demo.echo ", StringComparison.Ordinal));
        Assert.Matches("^demo\\.echo +no +Echoes a message\\.$", echo);
        Assert.Equal(descriptionColumn, echo.IndexOf("Echoes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Catalog_json_is_sorted_and_filters_by_channel()
    {
        var r = await mesh.Oam("mesh", "catalog", "--json", "--channel", "demo");
        Assert.True(r.ExitCode == 0, r.ToString());
        var entries = JsonNode.Parse(r.Stdout)!.AsArray();
        var echo = entries.Single(e => e!["name"]!.GetValue<string>() == "demo.echo")!.AsObject();
        Assert.Equal(["description", "invocable", "name", "streaming", "tags", "version"], echo.Select(p => p.Key));
        Assert.Equal("1.0.0", echo["version"]!.GetValue<string>());
        Assert.False(echo["streaming"]!.GetValue<bool>());
        Assert.Contains("text", echo["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.StartsWith("[\n  {\n    \"description\": ", r.Stdout, StringComparison.Ordinal);

        var none = await mesh.Oam("mesh", "catalog", "--json", "--channel", "nochannel");
        Assert.Equal("[]\n", none.Stdout);
        var emptyTable = await mesh.Oam("mesh", "catalog", "--channel", "nochannel");
        Assert.Equal("NAME  STREAMING  DESCRIPTION\n(empty)\n", emptyTable.Stdout);
    }

    [Fact]
    public async Task Contract_json_is_the_flat_model_dump()
    {
        var r = await mesh.Oam("agent", "contract", "demo.echo");
        Assert.True(r.ExitCode == 0, r.ToString());
        var c = JsonNode.Parse(r.Stdout)!.AsObject();
        Assert.Equal(
            ["chunk_schema", "description", "input_schema", "invocable", "name", "output_schema", "registered_at", "streaming", "subject", "tags", "version"],
            c.Select(p => p.Key));
        Assert.Equal("demo.echo", c["name"]!.GetValue<string>());
        Assert.Equal("mesh.agent.demo.echo", c["subject"]!.GetValue<string>());
        Assert.True(c["invocable"]!.GetValue<bool>());
        Assert.Null(c["chunk_schema"]);
        Assert.NotNull(c["input_schema"]!["properties"]!["message"]);
        Assert.NotNull(c["output_schema"]!["properties"]!["reply"]);
        Assert.EndsWith("+00:00", c["registered_at"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contract_text_and_unknown_agent()
    {
        var text = await mesh.Oam("agent", "contract", "demo.echo", "--text");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("name:        demo.echo\n", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("streaming:   no\n", text.Stdout, StringComparison.Ordinal);

        var missing = await mesh.Oam("agent", "contract", "nobody.here");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("Error [not_found] ", missing.Stderr, StringComparison.Ordinal);
    }
}
