using System.Text;
using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>The <c>mesh.health.{name}</c> body: written with the documented snake_case fields, read back leniently.</summary>
public sealed class HealthBeatTests
{
    [Fact]
    public void A_beat_round_trips_with_the_documented_field_names()
    {
        var beat = new HealthBeat("0123456789abcdef0123456789abcdef", "demo.echo", 10_000, 2, 1, 3, 40, 4, 1.25, "invalid_input", "2026-12-05T07:00:00.000000Z");

        var json = Encoding.UTF8.GetString(beat.ToJsonBytes());

        Assert.Equal(
            """{"instance_id":"0123456789abcdef0123456789abcdef","agent":"demo.echo","interval_ms":10000,"in_flight":2,"queued":1,"shed":3,"requests":40,"errors":4,"avg_latency_ms":1.25,"last_error_code":"invalid_input","timestamp":"2026-12-05T07:00:00.000000Z"}""",
            json);
        Assert.Equal(beat, HealthBeat.Parse(beat.ToJsonBytes()));
        Assert.Equal(MeshSubjects.HealthPrefix + "demo.echo", MeshSubjects.Health("demo.echo"));
    }

    [Fact]
    public void A_beat_with_missing_or_mistyped_fields_reads_as_empty_never_throws()
    {
        var beat = HealthBeat.Parse("""{"instance_id":7,"requests":"many","last_error_code":null,"extra":true}"""u8);

        Assert.Equal(new HealthBeat("", "", 0, 0, 0, 0, 0, 0, 0, null, ""), beat);
        Assert.Equal(new HealthBeat("", "", 0, 0, 0, 0, 0, 0, 0, null, ""), HealthBeat.Parse("not json"u8));
    }
}
