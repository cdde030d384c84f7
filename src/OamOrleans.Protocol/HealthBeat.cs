namespace OamOrleans.Protocol;

/// <summary>
/// Body of <c>mesh.health.{name}</c>: one hosting instance's periodic beat for one agent. The reference reserves the
/// subject without a schema; this is our extension. Counts are for the window since the instance's previous beat,
/// except <see cref="InFlight"/> and <see cref="Queued"/>, which are the state at the beat.
/// </summary>
/// <param name="InstanceId">The hosting instance (the <c>X-Mesh-Instance-Id</c> of its messages).</param>
/// <param name="Agent">The agent the beat is for.</param>
/// <param name="IntervalMs">The instance's beat interval: a reader may call it silent after missing a few.</param>
/// <param name="InFlight">Requests running now.</param>
/// <param name="Queued">Requests received and waiting for a slot now.</param>
/// <param name="Shed">Requests answered <c>not_available</c> ("overloaded") since the last beat.</param>
/// <param name="Requests">Requests finished since the last beat, successful or not.</param>
/// <param name="Errors">Of <see cref="Requests"/>, those that ended in an error.</param>
/// <param name="AvgLatencyMs">Mean duration of <see cref="Requests"/> in milliseconds; 0 when there were none.</param>
/// <param name="LastErrorCode">The error code of the most recent failed request the instance saw, or null if none ever failed.</param>
/// <param name="Timestamp">When the beat was sent (ISO 8601 UTC).</param>
public sealed record HealthBeat(
    string InstanceId,
    string Agent,
    long IntervalMs,
    long InFlight,
    long Queued,
    long Shed,
    long Requests,
    long Errors,
    double AvgLatencyMs,
    string? LastErrorCode,
    string Timestamp)
{
    /// <summary>The beat as UTF-8 JSON with snake_case fields.</summary>
    public byte[] ToJsonBytes() => JsonRead.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("instance_id", InstanceId);
        w.WriteString("agent", Agent);
        w.WriteNumber("interval_ms", IntervalMs);
        w.WriteNumber("in_flight", InFlight);
        w.WriteNumber("queued", Queued);
        w.WriteNumber("shed", Shed);
        w.WriteNumber("requests", Requests);
        w.WriteNumber("errors", Errors);
        w.WriteNumber("avg_latency_ms", Math.Round(AvgLatencyMs, 3));
        if (LastErrorCode is null)
        {
            w.WriteNull("last_error_code");
        }
        else
        {
            w.WriteString("last_error_code", LastErrorCode);
        }

        w.WriteString("timestamp", Timestamp);
        w.WriteEndObject();
    });

    /// <summary>Reads a beat leniently: missing or mistyped fields read as empty, zero or null, never an exception.</summary>
    public static HealthBeat Parse(ReadOnlySpan<byte> utf8)
    {
        var obj = JsonRead.ParseObject(utf8) ?? [];
        var lastError = JsonRead.String(obj, "last_error_code");
        return new HealthBeat(
            JsonRead.String(obj, "instance_id"),
            JsonRead.String(obj, "agent"),
            JsonRead.Long(obj, "interval_ms"),
            JsonRead.Long(obj, "in_flight"),
            JsonRead.Long(obj, "queued"),
            JsonRead.Long(obj, "shed"),
            JsonRead.Long(obj, "requests"),
            JsonRead.Long(obj, "errors"),
            JsonRead.Double(obj, "avg_latency_ms"),
            lastError.Length == 0 ? null : lastError,
            JsonRead.String(obj, "timestamp"));
    }
}
