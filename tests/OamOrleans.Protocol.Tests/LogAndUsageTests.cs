using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>Log events and usage values against the capture (reference <c>test_observe.py</c> / <c>test_usage.py</c> shapes).</summary>
public sealed class LogAndUsageTests
{
    [Fact]
    public void Every_captured_log_event_round_trips_with_key_order()
    {
        var logs = Capture.On("mesh.logs.").ToArray();
        Assert.True(logs.Length > 20);

        foreach (var m in logs)
        {
            var e = LogEvent.Parse(m.BodyBytes);
            Assert.Equal(m.Subject, MeshSubjects.Logs(e.Agent));
            Assert.NotNull(LogEvent.LevelValue(e.Level));
            Assert.Matches(SubjectAndHeaderTests.IsoTimestamp(), e.Timestamp);
            Assert.True(m.Headers.ContainsKey(MeshHeaders.InstanceId), $"{m}: log events carry the instance id");
            JsonAssert.Same(m.Body, e.ToJsonBytes());
        }

        var events = logs.Select(m => LogEvent.Parse(m.BodyBytes).Event).ToHashSet();
        Assert.Superset(new HashSet<string> { "agent_registered", "agent_deregistered", "request_received", "request_completed", "request_failed", "validation_error", "usage_reported" }, events);
    }

    [Fact]
    public void Level_values_follow_the_reference()
    {
        Assert.Equal(10, LogEvent.LevelValue("debug"));
        Assert.Equal(20, LogEvent.LevelValue("info"));
        Assert.Equal(30, LogEvent.LevelValue("warn"));
        Assert.Equal(40, LogEvent.LevelValue("error"));
        Assert.Equal(100, LogEvent.LevelValue("off"));
        Assert.Null(LogEvent.LevelValue("verbose"));
    }

    [Fact]
    public void Captured_usage_headers_round_trip_and_match_the_usage_reported_data()
    {
        var withUsage = Capture.Messages.Where(m => m.Headers.ContainsKey(MeshHeaders.Usage)).ToArray();
        Assert.NotEmpty(withUsage);

        foreach (var m in withUsage)
        {
            var header = m.Headers[MeshHeaders.Usage];
            var usage = MeshUsage.Parse(header)!;
            Assert.Equal(MeshHeaders.StatusOk, m.Headers[MeshHeaders.Status]);
            JsonAssert.Same(header, usage.ToJson());
            Assert.DoesNotContain("null", usage.ToJson());
        }

        var reported = Capture.On("mesh.logs.").Select(m => LogEvent.Parse(m.BodyBytes)).First(e => e.Event == "usage_reported");
        JsonAssert.Same(withUsage[0].Headers[MeshHeaders.Usage], System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(reported.Data));
        Assert.Equal(new MeshUsage { InputTokens = 10, OutputTokens = 2, Model = "m1" }, MeshUsage.Parse(withUsage[0].Headers[MeshHeaders.Usage]));
    }

    [Fact]
    public void Usage_merges_by_summing_numbers_and_keeping_the_last_model()
    {
        var merged = new MeshUsage { InputTokens = 10, Model = "m1", EstimatedCostUsd = 0.25 }
            .Merge(new MeshUsage { InputTokens = 5, OutputTokens = 2, Model = "m2", EstimatedCostUsd = 0.5 })
            .Merge(new MeshUsage { OutputTokens = 1 });

        Assert.Equal(new MeshUsage { InputTokens = 15, OutputTokens = 3, Model = "m2", EstimatedCostUsd = 0.75 }, merged);
        JsonAssert.Same("""{"input_tokens":15,"output_tokens":3,"model":"m2","estimated_cost_usd":0.75}""", merged.ToJson());
        Assert.Null(MeshUsage.Parse(null));
        Assert.Null(MeshUsage.Parse("[1]"));
        Assert.Equal(new MeshUsage(), MeshUsage.Parse("""{"input_tokens":"ten"}"""));
    }
}
