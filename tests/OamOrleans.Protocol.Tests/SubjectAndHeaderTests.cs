using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>Subjects, header names and id formats against the capture.</summary>
public sealed partial class SubjectAndHeaderTests
{
    [Fact]
    public void Subject_builders_match_the_wire()
    {
        Assert.Equal("mesh.agent.nlp.echo", MeshSubjects.Agent("nlp.echo"));
        Assert.Equal("q.nlp.echo", MeshSubjects.QueueGroup("nlp.echo"));
        Assert.Equal("mesh.agent.demo.ticker.events", MeshSubjects.Events("demo.ticker"));
        Assert.Equal("mesh.agent.finance.>", MeshSubjects.ChannelWildcard("finance"));
        Assert.Equal("mesh.stream.c42069b446614ca29c4849d718b8f7b6", MeshSubjects.Stream("c42069b446614ca29c4849d718b8f7b6"));
        Assert.Equal("mesh.results.0079d58180f1463895878762b67cdb3d", MeshSubjects.Results("0079d58180f1463895878762b67cdb3d"));
        Assert.Equal("mesh.errors.nlp.echo", MeshSubjects.Errors("nlp.echo"));
        Assert.Equal("mesh.death.victim.crash", MeshSubjects.Death("victim.crash"));
        Assert.Equal("mesh.logs.nlp.echo", MeshSubjects.Logs("nlp.echo"));
        Assert.Equal("oam-host-140be770414a4f9a80e9272cf9958be3", MeshSubjects.ConnectionName("140be770414a4f9a80e9272cf9958be3"));

        var subjects = Capture.Messages.Select(m => m.Subject).ToHashSet();
        Assert.Contains(MeshSubjects.Agent("nlp.echo"), subjects);
        Assert.Contains(MeshSubjects.Events("demo.ticker"), subjects);
        Assert.Contains(MeshSubjects.Stream("c42069b446614ca29c4849d718b8f7b6"), subjects);
        Assert.Contains(MeshSubjects.Results("0079d58180f1463895878762b67cdb3d"), subjects);
        Assert.Contains(MeshSubjects.Errors("nlp.echo"), subjects);
        Assert.Contains(MeshSubjects.Death("victim.crash"), subjects);
        Assert.Contains(MeshSubjects.Logs("nlp.echo"), subjects);
    }

    [Fact]
    public void Every_captured_mesh_header_is_a_known_constant_with_the_same_casing()
    {
        var known = typeof(MeshHeaders).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name is not (nameof(MeshHeaders.ConversationId) or nameof(MeshHeaders.Timeout))) // our extensions
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(v => v.StartsWith("X-Mesh-", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        var captured = Capture.Messages.SelectMany(m => m.Headers.Keys).Where(k => k.StartsWith("X-Mesh-", StringComparison.OrdinalIgnoreCase)).ToHashSet();

        Assert.Subset(known, captured);
        // Every header the reference defines shows up in the capture.
        Assert.Equal(known.Order(), captured.Order());
    }

    [Fact]
    public void Status_and_boolean_header_values_match_the_wire()
    {
        var statuses = Capture.Messages.Where(m => m.Headers.ContainsKey(MeshHeaders.Status)).Select(m => m.Headers[MeshHeaders.Status]).ToHashSet();
        var ends = Capture.Messages.Where(m => m.Headers.ContainsKey(MeshHeaders.StreamEnd)).Select(m => m.Headers[MeshHeaders.StreamEnd]).ToHashSet();

        Assert.Equal(new[] { MeshHeaders.StatusError, MeshHeaders.StatusOk }.Order(), statuses.Order());
        Assert.Equal(new[] { MeshHeaders.False, MeshHeaders.True }.Order(), ends.Order());
        Assert.All(Capture.Messages.Where(m => m.Headers.ContainsKey(MeshHeaders.Stream)), m => Assert.Equal(MeshHeaders.True, m.Headers[MeshHeaders.Stream]));
    }

    [Fact]
    public void New_ids_have_the_wire_format_of_captured_ids()
    {
        var capturedIds = Capture.Messages.Where(m => m.Headers.ContainsKey(MeshHeaders.InstanceId)).Select(m => m.Headers[MeshHeaders.InstanceId]).ToArray();
        Assert.All(capturedIds, id => Assert.Matches(HexId(), id));

        var a = MeshIds.New();
        Assert.Matches(HexId(), a);
        Assert.NotEqual(a, MeshIds.New());
    }

    [Fact]
    public void Timestamps_have_the_python_isoformat_of_the_capture()
    {
        Assert.Matches(IsoTimestamp(), "2026-11-25T12:27:37.275915+00:00");
        Assert.Matches(IsoTimestamp(), MeshIds.Now());
        Assert.Equal("2026-11-25T12:27:37.275915+00:00", MeshIds.Timestamp(new DateTimeOffset(2026, 11, 25, 13, 27, 37, TimeSpan.FromHours(1)).AddTicks(2759150)));
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex HexId();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")]
    internal static partial Regex IsoTimestamp();
}
