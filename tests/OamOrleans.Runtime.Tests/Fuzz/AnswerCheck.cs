using System.Text.Json;
using NATS.Client.Core;
using OamOrleans.Protocol;

namespace OamOrleans.Runtime.Tests.Fuzz;

/// <summary>
/// Checks an answer against the protocol: exactly one reply or one terminal stream frame, <c>X-Mesh-Status</c> and
/// <c>X-Mesh-Request-Id</c> as §3.2 says, a parseable body, and for errors the five-key envelope with a known code (and
/// Pydantic-style <c>details.errors</c> for <c>invalid_input</c>). Good calls must also carry the expected content.
/// </summary>
internal static class AnswerCheck
{
    /// <summary>Codes an agent may put on the wire here: the protocol's, and the one test.coded raises on purpose.</summary>
    private static readonly HashSet<string> Codes = [.. MeshErrorCodes.Known, "quota_exceeded"];

    /// <summary>Null when the answer is well formed, else what is wrong with it.</summary>
    public static string? Problem(HostileRequest request, AnswerCollector answers)
    {
        if (request.AnswerSubject is not { } subject)
        {
            return null;
        }

        var arrived = answers.Arrivals(subject);
        if (arrived.Count == 0)
        {
            return "unanswered";
        }

        if (subject.StartsWith(MeshSubjects.StreamPrefix, StringComparison.Ordinal))
        {
            if (request.ReplyTo is { } reply && answers.Arrivals(reply).Count > 0)
            {
                return "a stream request was also answered on its reply subject";
            }

            return StreamProblem(request, arrived);
        }

        return arrived.Count != 1 ? $"{arrived.Count} replies" : ReplyProblem(request, arrived[0]);
    }

    private static string? ReplyProblem(HostileRequest request, NatsMsg<byte[]> msg)
    {
        var rid = AnswerCollector.Header(msg, MeshHeaders.RequestId);
        if (rid is null)
        {
            return "no X-Mesh-Request-Id on the reply";
        }

        if (request.RequestId is { } sent && IsPrintable(sent) && rid != sent)
        {
            return $"X-Mesh-Request-Id '{rid}' is not the request's '{sent}'";
        }

        switch (AnswerCollector.Header(msg, MeshHeaders.Status))
        {
            case MeshHeaders.StatusError:
                return EnvelopeProblem(request, msg);
            case MeshHeaders.StatusOk:
                if (AnswerCollector.Header(msg, MeshHeaders.Source) != request.Agent)
                {
                    return "an ok reply without X-Mesh-Source naming the agent";
                }

                if (AnswerCollector.Json(msg) is not { } body)
                {
                    return "an ok reply whose body is not JSON";
                }

                return request.Good is { } good ? GoodProblem(good, body) : null;
            case var other:
                return $"X-Mesh-Status is '{other}'";
        }
    }

    private static string? StreamProblem(HostileRequest request, IReadOnlyList<NatsMsg<byte[]>> frames)
    {
        var terminal = frames.Where(f => AnswerCollector.Header(f, MeshHeaders.StreamEnd) == MeshHeaders.True).ToList();
        if (terminal.Count != 1 || AnswerCollector.Header(frames[^1], MeshHeaders.StreamEnd) != MeshHeaders.True)
        {
            return $"{terminal.Count} terminal frames (the last of {frames.Count} frames must be the only one)";
        }

        var end = terminal[0];
        var chunks = frames.Take(frames.Count - 1).ToList();
        for (var i = 0; i < chunks.Count; i++)
        {
            if (AnswerCollector.Header(chunks[i], MeshHeaders.StreamSeq) != i.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return $"chunk {i} has X-Mesh-Stream-Seq {AnswerCollector.Header(chunks[i], MeshHeaders.StreamSeq)}";
            }
        }

        if (AnswerCollector.Header(end, MeshHeaders.Status) == MeshHeaders.StatusError)
        {
            return AnswerCollector.Header(end, MeshHeaders.StreamSeq) is not null ? "an error frame with X-Mesh-Stream-Seq" : EnvelopeProblem(request, end);
        }

        if (AnswerCollector.Header(end, MeshHeaders.StreamSeq) != chunks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) || end.Data is { Length: > 0 })
        {
            return "an end frame without the chunk count or with a body";
        }

        if (request.Good is { } good)
        {
            var texts = chunks.Select(c => AnswerCollector.Json(c) is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("text", out var t) ? t.GetString() : "?");
            return string.Join('|', texts) == good.Expected ? null : $"chunks {string.Join('|', texts)}, expected {good.Expected}";
        }

        return null;
    }

    private static string? EnvelopeProblem(HostileRequest request, NatsMsg<byte[]> msg)
    {
        if (AnswerCollector.Json(msg) is not { ValueKind: JsonValueKind.Object } e)
        {
            return "an error whose body is not a JSON object";
        }

        if (e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).SequenceEqual(["agent", "code", "details", "message", "request_id"]) is false)
        {
            return $"an envelope without exactly the five keys: {e.GetRawText()}";
        }

        if (e.GetProperty("code").GetString() is not { } code || !Codes.Contains(code))
        {
            return $"unknown code in {e.GetRawText()}";
        }

        if (e.GetProperty("agent").GetString() != request.Agent || e.GetProperty("message").ValueKind != JsonValueKind.String ||
            e.GetProperty("request_id").ValueKind != JsonValueKind.String || e.GetProperty("details").ValueKind != JsonValueKind.Object)
        {
            return $"an envelope with wrong field values: {e.GetRawText()}";
        }

        if (request.RequestId is { } sent && IsPrintable(sent) && e.GetProperty("request_id").GetString() != sent)
        {
            return $"request_id is not the request's: {e.GetRawText()}";
        }

        if (request.Good is not null)
        {
            return $"a good call failed: {e.GetRawText()}";
        }

        if (code == MeshErrorCodes.InvalidInput)
        {
            if (!e.GetProperty("details").TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0)
            {
                return $"invalid_input without details.errors: {e.GetRawText()}";
            }

            foreach (var item in errors.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String ||
                    !item.TryGetProperty("loc", out var loc) || loc.ValueKind != JsonValueKind.Array ||
                    !item.TryGetProperty("msg", out var m) || m.ValueKind != JsonValueKind.String || !item.TryGetProperty("input", out _))
                {
                    return $"a details.errors item that is not Pydantic-shaped: {item.GetRawText()}";
                }
            }
        }

        return null;
    }

    private static string? GoodProblem(GoodCall good, JsonElement body)
    {
        var value = good.Property.Length == 0 ? body : body.ValueKind == JsonValueKind.Object && body.TryGetProperty(good.Property, out var p) ? p : default;
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return text == good.Expected ? null : $"a good call answered {body.GetRawText()}, expected {good.Property}={good.Expected}";
    }

    private static bool IsPrintable(string text) => text.All(c => c is >= ' ' and <= '~');
}
