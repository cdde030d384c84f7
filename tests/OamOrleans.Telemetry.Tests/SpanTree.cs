using System.Diagnostics;
using System.Text;

namespace OamOrleans.Telemetry.Tests;

/// <summary>The spans of one trace as an indented tree: name, kind, source and the attributes that tell the story.</summary>
internal static class SpanTree
{
    private static readonly string[] ShownTags =
    [
        "oam.transport", "messaging.system", "messaging.destination.name", "messaging.message.conversation_id",
        "error.type", "oam.stream.chunks", "gen_ai.usage.output_tokens",
    ];

    public static string Render(IReadOnlyList<Activity> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var text = new StringBuilder();
        foreach (var root in spans.Where(s => !ids.Contains(s.ParentSpanId)).OrderBy(s => s.StartTimeUtc))
        {
            Write(root, 0);
        }

        return text.ToString();

        void Write(Activity span, int depth)
        {
            var tags = string.Join(" ", ShownTags.Select(t => span.GetTagItem(t) is { } v ? $"{t}={v}" : null).OfType<string>());
            var status = span.Status == ActivityStatusCode.Error ? $" ERROR({span.StatusDescription})" : "";
            text.Append(' ', depth * 2).Append($"{span.DisplayName} [{span.Kind}, {span.Source.Name}]{status} {tags}".TrimEnd()).AppendLine();
            foreach (var child in spans.Where(s => s.ParentSpanId == span.SpanId).OrderBy(s => s.StartTimeUtc))
            {
                Write(child, depth + 1);
            }
        }
    }

    /// <summary>True when <paramref name="ancestor"/> is above <paramref name="span"/> in the trace.</summary>
    public static bool IsUnder(Activity span, Activity ancestor, IReadOnlyList<Activity> spans)
    {
        var bySpan = spans.ToDictionary(s => s.SpanId);
        for (var at = span; bySpan.TryGetValue(at.ParentSpanId, out var parent); at = parent)
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The spans between <paramref name="ancestor"/> and <paramref name="span"/> (exclusive).</summary>
    public static List<Activity> Between(Activity span, Activity ancestor, IReadOnlyList<Activity> spans)
    {
        var bySpan = spans.ToDictionary(s => s.SpanId);
        var path = new List<Activity>();
        for (var at = span; bySpan.TryGetValue(at.ParentSpanId, out var parent) && parent.SpanId != ancestor.SpanId; at = parent)
        {
            path.Add(parent);
        }

        return path;
    }
}
