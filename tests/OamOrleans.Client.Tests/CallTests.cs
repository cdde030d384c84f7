using System.Text.Json;
using OamOrleans.Protocol;
using Xunit;

namespace OamOrleans.Client.Tests;

/// <summary>Port of the reference TypeScript <c>call.test.ts</c> (and the call parts of <c>errors.test.ts</c>) against the simulator.</summary>
[Trait("Category", "Integration")]
public sealed class CallTests(NatsFixture fx) : SimulatorTests(fx)
{
    private sealed record EchoIn(string Message);

    private sealed record EchoOut(string Reply);

    [Fact]
    public async Task Call_returns_the_reply_payload()
    {
        var name = Wait.Name("nlp");
        await Sim.ServeEchoAsync(name);

        var reply = await Client.CallAsync<EchoOut>(name, new EchoIn("hi"));

        Assert.Equal("Echo: hi", reply.Reply);
    }

    [Fact]
    public async Task Call_sends_the_payload_as_camel_case_json()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);

        await Client.CallAsync<JsonElement>(name, new EchoIn("hi"));

        var request = await agent.NextRequestAsync();
        using var doc = JsonDocument.Parse(request.Body);
        Assert.Equal("hi", doc.RootElement.GetProperty("message").GetString());
        Assert.Single(doc.RootElement.EnumerateObject());
    }

    [Fact]
    public async Task Request_id_is_32_char_lowercase_hex_and_fresh_per_call()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);

        await Client.CallAsync<JsonElement>(name, new EchoIn("a"));
        await Client.CallAsync<JsonElement>(name, new EchoIn("b"));

        var first = (await agent.NextRequestAsync()).RequestId;
        var second = (await agent.NextRequestAsync()).RequestId;
        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.Matches("^[0-9a-f]{32}$", second);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Request_carries_the_instance_id_and_no_stream_header()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);

        await Client.CallAsync<JsonElement>(name, new { message = "x" });

        var request = await agent.NextRequestAsync();
        Assert.Equal(Client.InstanceId, request.Header(MeshHeaders.InstanceId));
        Assert.Null(request.Header(MeshHeaders.Stream));
        Assert.Null(request.Header(MeshHeaders.ConversationId));
        Assert.Equal(MeshSubjects.Agent(name), request.Subject);
        Assert.StartsWith("_INBOX.", request.ReplyTo);
    }

    [Fact]
    public async Task Conversation_id_option_sets_the_extension_header()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);

        await Client.CallAsync<JsonElement>(name, new { message = "x" }, new CallOptions { ConversationId = "conv-42" });

        Assert.Equal("conv-42", (await agent.NextRequestAsync()).Header(MeshHeaders.ConversationId));
    }

    [Fact]
    public async Task Caller_headers_are_sent_but_the_request_id_stays_fresh()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeEchoAsync(name);

        await Client.CallAsync<JsonElement>(name, new { message = "x" }, new CallOptions
        {
            Headers = new Dictionary<string, string> { ["X-Custom"] = "1", [MeshHeaders.InstanceId] = "mine", [MeshHeaders.RequestId] = "forged" },
        });

        var request = await agent.NextRequestAsync();
        Assert.Equal("1", request.Header("X-Custom"));
        Assert.Equal("mine", request.Header(MeshHeaders.InstanceId));
        Assert.Matches("^[0-9a-f]{32}$", request.RequestId);
    }

    [Fact]
    public async Task Null_payload_sends_an_empty_body_and_scalars_round_trip()
    {
        var trigger = Wait.Name("ops");
        var greet = Wait.Name();
        var triggerAgent = await Sim.ServeAsync(trigger, r => ValueTask.FromResult(Sim.Ok(trigger, r.RequestId, """{"keys_refreshed":3}""")));
        var greetAgent = await Sim.ServeAsync(greet, r => ValueTask.FromResult(
            Sim.Ok(greet, r.RequestId, "\"Hello, " + JsonSerializer.Deserialize<string>(r.Body) + "\"")));

        var refreshed = await Client.CallAsync<JsonElement>(trigger, null);
        var hello = await Client.CallAsync<string>(greet, "Ann");

        Assert.Equal(3, refreshed.GetProperty("keys_refreshed").GetInt32());
        Assert.Empty((await triggerAgent.NextRequestAsync()).Body);
        Assert.Equal("Hello, Ann", hello);
        Assert.Equal("\"Ann\"", (await greetAgent.NextRequestAsync()).BodyText);
    }

    [Fact]
    public async Task Empty_reply_reads_as_an_empty_object()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, r => ValueTask.FromResult(Sim.Ok(name, r.RequestId, null)));

        var reply = await Client.CallAsync<JsonElement>(name, null);

        Assert.Equal(JsonValueKind.Object, reply.ValueKind);
        Assert.Empty(reply.EnumerateObject());
    }

    [Fact]
    public async Task Raw_call_returns_body_and_reply_headers()
    {
        var name = Wait.Name();
        const string usage = """{"input_tokens":10,"output_tokens":2,"model":"m1"}""";
        await Sim.ServeAsync(name, r => ValueTask.FromResult(Sim.Ok(name, r.RequestId, """{"reply":"raw"}""",
            new Dictionary<string, string> { [MeshHeaders.Usage] = usage })));

        var reply = await Client.CallRawAsync(name, """{"message":"raw"}"""u8.ToArray());

        using var doc = JsonDocument.Parse(reply.Body);
        Assert.Equal("raw", doc.RootElement.GetProperty("reply").GetString());
        Assert.Equal(name, reply.Source);
        Assert.Equal(Sim.InstanceId, reply.InstanceId);
        Assert.Equal(usage, reply.Header(MeshHeaders.Usage));
        Assert.Equal(new MeshUsage { InputTokens = 10, OutputTokens = 2, Model = "m1" }, reply.Usage);
        Assert.Equal(reply.RequestId, reply.Header(MeshHeaders.RequestId));
        Assert.Matches("^[0-9a-f]{32}$", reply.RequestId);
    }

    public static TheoryData<string, Type> KnownCodes => new()
    {
        { "invalid_input", typeof(InvalidInputException) },
        { "handler_error", typeof(HandlerErrorException) },
        { "invocation_mismatch", typeof(InvocationMismatchException) },
        { "not_found", typeof(NotFoundException) },
        { "not_available", typeof(NotAvailableException) },
        { "timeout", typeof(MeshTimeoutException) },
        { "agent_died", typeof(AgentDiedException) },
        { "chunk_sequence_error", typeof(ChunkSequenceErrorException) },
        { "connection_failed", typeof(ConnectionFailedException) },
        { "connection_denied", typeof(ConnectionDeniedException) },
        { "kv_key_exists", typeof(KvKeyExistsException) },
    };

    [Theory]
    [MemberData(nameof(KnownCodes))]
    public async Task Error_reply_raises_the_typed_exception(string code, Type expected)
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, r => ValueTask.FromResult(Sim.Error(name, r.RequestId, code, "went wrong", """{"k": [1, 2]}""")));

        // One attempt: a not_available answer would otherwise be retried until the deadline.
        var once = new CallOptions { Retry = MeshRetryOptions.None };
        var e = await Assert.ThrowsAnyAsync<MeshException>(() => Client.CallAsync<JsonElement>(name, new { message = "x" }, once).AsTask());

        Assert.IsType(expected, e);
        Assert.Equal(code, e.Code);
        Assert.Equal("went wrong", e.Message);
        Assert.Equal(name, e.Agent);
        Assert.Equal(2, e.Details.GetProperty("k").GetArrayLength());
    }

    [Fact]
    public async Task Invalid_input_keeps_the_validation_details()
    {
        var name = Wait.Name("nlp");
        await Sim.ServeAsync(name, r => ValueTask.FromResult(Sim.Error(name, r.RequestId, "invalid_input", $"Input failed validation for agent '{name}'",
            """{"errors": [{"type": "string_type", "loc": ["message"], "msg": "Input should be a valid string", "input": 42}]}""")));

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => Client.CallAsync<JsonElement>(name, new { message = 42 }).AsTask());

        var error = Assert.Single(e.Details.GetProperty("errors").EnumerateArray().ToArray());
        Assert.Equal("string_type", error.GetProperty("type").GetString());
        Assert.Equal("message", error.GetProperty("loc")[0].GetString());
    }

    [Fact]
    public async Task Unknown_code_is_preserved_on_the_base_class()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, r => ValueTask.FromResult(Sim.Error(name, r.RequestId, "quota_exceeded", "over quota")));

        var e = await Assert.ThrowsAsync<MeshException>(() => Client.CallAsync<JsonElement>(name, null).AsTask());

        Assert.Equal("quota_exceeded", e.Code);
        Assert.Equal("over quota", e.Message);
    }

    [Fact]
    public async Task Error_request_id_is_the_callers_own_and_agent_defaults_to_the_target()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeAsync(name, r => ValueTask.FromResult(
            Sim.Error(r.RequestId, """{"code": "handler_error", "message": "boom", "request_id": "someone-else"}""")));

        var e = await Assert.ThrowsAsync<HandlerErrorException>(() => Client.CallAsync<JsonElement>(name, null).AsTask());

        Assert.Equal((await agent.NextRequestAsync()).RequestId, e.RequestId);
        Assert.Equal(name, e.Agent);
        Assert.Equal(JsonValueKind.Object, e.Details.ValueKind);
    }

    [Fact]
    public async Task Error_reply_without_code_is_a_mesh_error()
    {
        var name = Wait.Name();
        await Sim.ServeAsync(name, r => ValueTask.FromResult(Sim.Error(r.RequestId, """{"message": "no code"}""")));

        var e = await Assert.ThrowsAsync<MeshException>(() => Client.CallAsync<JsonElement>(name, null).AsTask());

        Assert.Equal(MeshErrorCodes.MeshError, e.Code);
    }

    [Fact]
    public async Task No_responders_and_not_in_catalog_raises_NotFound_quickly()
    {
        var name = Wait.Name("ghost");
        var started = DateTime.UtcNow;

        var e = await Assert.ThrowsAsync<NotFoundException>(() => Client.CallAsync<JsonElement>(name, new { }).AsTask());

        Assert.Equal(MeshErrorCodes.NotFound, e.Code);
        Assert.Equal(name, e.Agent);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "no-responders must not wait for the timeout");
    }

    [Fact]
    public async Task Invalid_agent_name_raises_ArgumentException_naming_the_problem()
    {
        foreach (var bad in new[] { "", ".a", "a.", "a..b", "a b", "a/b", "a.*", "a.>" })
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() => Client.CallAsync<JsonElement>(bad, null).AsTask());
            Assert.Contains("Invalid agent name", e.Message);
        }
    }

    [Fact]
    public async Task Slow_agent_raises_MeshTimeout_with_the_reference_message()
    {
        var name = Wait.Name();
        var agent = await Sim.ServeAsync(name, _ => ValueTask.FromResult(SimReply.None));

        var e = await Assert.ThrowsAsync<MeshTimeoutException>(() =>
            Client.CallAsync<JsonElement>(name, null, new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) }).AsTask());

        Assert.Equal(MeshErrorCodes.Timeout, e.Code);
        Assert.Equal($"No message on mesh.agent.{name} within 0.3s", e.Message);
        Assert.Equal((await agent.NextRequestAsync()).RequestId, e.RequestId);
        Assert.Empty(e.Details.EnumerateObject());
    }

    [Fact]
    public async Task Death_notice_during_a_call_fails_fast_with_AgentDied()
    {
        var name = Wait.Name("victim");
        await Sim.ServeAsync(name, async _ =>
        {
            await Sim.PublishDeathAsync(name);
            return SimReply.None;
        });
        var started = DateTime.UtcNow;

        var e = await Assert.ThrowsAsync<AgentDiedException>(() =>
            Client.CallAsync<JsonElement>(name, null, new CallOptions { Timeout = TimeSpan.FromSeconds(20) }).AsTask());

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal(MeshErrorCodes.AgentDied, e.Code);
        Assert.Equal(name, e.Details.GetProperty("agent").GetString());
        Assert.Equal("disconnect", e.Details.GetProperty("reason").GetString());
        Assert.Equal(Sim.InstanceId, e.Details.GetProperty("instance_id").GetString());
        Assert.Equal(Sim.InstanceId, e.Notice.InstanceId);
        Assert.Matches("^[0-9a-f]{32}$", e.RequestId);
    }

    [Fact]
    public async Task A_death_notice_fails_every_call_in_flight_to_the_agent_and_no_call_started_after_it()
    {
        var name = Wait.Name("victim");
        var answering = false;
        var agent = await Sim.ServeAsync(name, r => ValueTask.FromResult(Volatile.Read(ref answering)
            ? Sim.Ok(name, r.RequestId, """{"reply":"alive"}""")
            : SimReply.None));
        var options = new CallOptions { Timeout = TimeSpan.FromSeconds(20) };

        // Three calls in flight share one watch of the agent's death subject: each joined it before sending its request.
        var calls = Enumerable.Range(0, 3).Select(_ => Client.CallAsync<JsonElement>(name, null, options).AsTask()).ToArray();
        for (var i = 0; i < calls.Length; i++)
        {
            await agent.NextRequestAsync();
        }

        await Sim.PublishDeathAsync(name);
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<AgentDiedException>(() => call);
        }

        await Sim.WaitForNoInterestAsync(MeshSubjects.Death(name)); // the last call to leave closed the subscription
        Volatile.Write(ref answering, true);
        var reply = await Client.CallAsync<JsonElement>(name, null, options);

        Assert.Equal("alive", reply.GetProperty("reply").GetString());
    }

    [Fact]
    public async Task Concurrent_calls_each_get_their_own_reply()
    {
        var name = Wait.Name();
        await Sim.ServeEchoAsync(name);

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Client.CallAsync<EchoOut>(name, new EchoIn($"m{i}")).AsTask()));

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"Echo: m{i}"), replies.Select(r => r.Reply));
    }
}

/// <summary>NotAvailable needs the name in the catalog, so it owns a server whose catalog it may write.</summary>
[Trait("Category", "Integration")]
public sealed class NotAvailableTests : IAsyncLifetime
{
    private Testing.NatsServer _server = null!;

    public async Task InitializeAsync() => _server = await Testing.NatsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task No_responders_for_a_cataloged_agent_raises_NotAvailable()
    {
        await using var sim = await AgentSimulator.StartAsync(_server);
        await using (await MeshClient.ConnectAsync(_server.Url))
        {
            // First connect creates the buckets; the simulator then writes the catalog like a gated host would.
        }

        await sim.PutCatalogAsync("""[{"name": "gated.agent", "description": "Gate closed.", "version": "0.1.0", "tags": [], "invocable": true, "streaming": false}]""");
        await using var client = await MeshClient.ConnectAsync(_server.Url);

        // One attempt, as the reference's callers make: nobody serving a cataloged agent is not_available at once.
        var once = new CallOptions { Retry = MeshRetryOptions.None };
        var e = await Assert.ThrowsAsync<NotAvailableException>(() => client.CallAsync<JsonElement>("gated.agent", null, once).AsTask());
        // With retries too, an agent the catalog does not know is not_found at once: it is not coming back.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => client.CallAsync<JsonElement>("gated.other", null).AsTask());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"not_found took {started.Elapsed}");

        Assert.Equal(MeshErrorCodes.NotAvailable, e.Code);
        Assert.Equal(MeshErrorCodes.NotFound, missing.Code);
    }
}

/// <summary>
/// The client's retries (<see cref="MeshRetryOptions"/>): the same request id again, on the same reply subject, within the
/// call's deadline, when the answer did not come or said <c>not_available</c>; never for the agent's own errors.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RetryTests(NatsFixture fx) : SimulatorTests(fx)
{
    [Fact]
    public async Task A_not_available_answer_is_retried_with_the_same_request_id_and_the_call_succeeds()
    {
        var name = Wait.Name();
        var answered = 0;
        var agent = await Sim.ServeAsync(name, r => ValueTask.FromResult(Interlocked.Increment(ref answered) < 3
            ? Sim.Error(name, r.RequestId, MeshErrorCodes.NotAvailable, "silo lost")
            : Sim.Ok(name, r.RequestId, """{"reply":"third time"}""")));

        using var retries = new RetryCounter();
        var reply = await Client.CallAsync<JsonElement>(name, new { message = "x" });

        Assert.Equal("third time", reply.GetProperty("reply").GetString());
        Assert.True(retries.Count >= 2, $"oam.client.call.retries counted {retries.Count}"); // other tests' retries may add to it
        var ids = new[] { (await agent.NextRequestAsync()).RequestId, (await agent.NextRequestAsync()).RequestId, (await agent.NextRequestAsync()).RequestId };
        Assert.Single(ids.Distinct());
    }

    [Fact]
    public async Task A_request_without_an_answer_is_sent_again_and_a_late_answer_to_the_first_attempt_still_counts()
    {
        var name = Wait.Name();
        var seen = 0;
        var agent = await Sim.ServeAsync(name, async r =>
        {
            if (Interlocked.Increment(ref seen) == 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1500)); // the first attempt's answer comes after the retry went out
                return Sim.Ok(name, r.RequestId, """{"attempt":1}""");
            }

            return SimReply.None; // later attempts are never answered
        });
        var retry = new MeshRetryOptions { AttemptTimeout = TimeSpan.FromMilliseconds(500) };

        var reply = await Client.CallAsync<JsonElement>(name, new { message = "x" }, new CallOptions { Retry = retry, Timeout = TimeSpan.FromSeconds(10) });

        Assert.Equal(1, reply.GetProperty("attempt").GetInt32());
        Assert.Equal((await agent.NextRequestAsync()).RequestId, (await agent.NextRequestAsync()).RequestId);
    }

    [Fact]
    public async Task The_agents_own_error_is_never_retried()
    {
        var name = Wait.Name();
        var calls = 0;
        await Sim.ServeAsync(name, r =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(Sim.Error(name, r.RequestId, MeshErrorCodes.HandlerError, "boom"));
        });

        await Assert.ThrowsAsync<HandlerErrorException>(() => Client.CallAsync<JsonElement>(name, new { message = "x" }).AsTask());

        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Without_retries_a_call_waits_its_whole_deadline_on_one_attempt()
    {
        var name = Wait.Name();
        var calls = 0;
        await Sim.ServeAsync(name, _ =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(SimReply.None);
        });

        await Assert.ThrowsAsync<MeshTimeoutException>(() => Client.CallAsync<JsonElement>(name, new { message = "x" },
            new CallOptions { Timeout = TimeSpan.FromSeconds(1.5), Retry = MeshRetryOptions.None with { AttemptTimeout = TimeSpan.FromMilliseconds(100) } }).AsTask());

        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task An_invalid_per_call_retry_policy_is_refused_naming_the_setting()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Client.CallAsync<JsonElement>(Wait.Name(), null,
            new CallOptions { Retry = new MeshRetryOptions { AttemptTimeout = TimeSpan.Zero } }).AsTask());
        Assert.Contains("AttemptTimeout must be positive", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>Counts <c>oam.client.call.retries</c> (meter <c>OamOrleans</c>) while it lives.</summary>
internal sealed class RetryCounter : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private long _count;

    public RetryCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeshTelemetry.MeterName && instrument.Name == "oam.client.call.retries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
