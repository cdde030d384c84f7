using System.Text;
using System.Text.Json;
using Xunit;

namespace OamOrleans.Protocol.Tests;

/// <summary>One message of the reference wire capture.</summary>
public sealed record CapturedMessage(int Index, string Subject, string ReplyTo, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public byte[] BodyBytes => Encoding.UTF8.GetBytes(Body);

    public bool IsKvDelete => Headers.TryGetValue("KV-Operation", out var op) && op is "DEL" or "PURGE";

    public override string ToString() => $"#{Index} {Subject}";
}

/// <summary>
/// The reference Python SDK's wire capture (<c>Fixtures/oam-wire-capture.json</c>, a copy of
/// <c>../shared/reference/oam-wire-capture.json</c>), read from the test output folder.
/// </summary>
public static class Capture
{
    private static readonly Lazy<IReadOnlyList<CapturedMessage>> Lazy = new(Load);

    public static IReadOnlyList<CapturedMessage> Messages => Lazy.Value;

    public static IEnumerable<CapturedMessage> On(string subjectPrefix) =>
        Messages.Where(m => m.Subject.StartsWith(subjectPrefix, StringComparison.Ordinal));

    private static List<CapturedMessage> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "oam-wire-capture.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var list = new List<CapturedMessage>();
        var index = 0;
        foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
        {
            index++;
            if (!e.TryGetProperty("subject", out var subject))
            {
                continue; // step markers and SDK results
            }

            var headers = e.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString() ?? "");
            list.Add(new CapturedMessage(index, subject.GetString()!, e.GetProperty("reply_to").GetString() ?? "", headers, e.GetProperty("body").GetString() ?? ""));
        }

        return list;
    }
}

/// <summary>Compares JSON by meaning (never bytes), optionally insisting on the same key order.</summary>
public static class JsonAssert
{
    public static void Same(string expected, ReadOnlySpan<byte> actual, bool keyOrder = true)
    {
        using var e = JsonDocument.Parse(expected);
        using var a = JsonDocument.Parse(actual.ToArray());
        Compare(e.RootElement, a.RootElement, "$", keyOrder);
    }

    public static void Same(string expected, string actual, bool keyOrder = true) => Same(expected, Encoding.UTF8.GetBytes(actual), keyOrder);

    private static void Compare(JsonElement expected, JsonElement actual, string path, bool keyOrder)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: expected {expected.ValueKind}, got {actual.ValueKind} ({actual.GetRawText()})");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var ek = expected.EnumerateObject().Select(p => p.Name).ToArray();
                var ak = actual.EnumerateObject().Select(p => p.Name).ToArray();
                if (keyOrder)
                {
                    Assert.True(ek.SequenceEqual(ak), $"{path}: keys [{string.Join(",", ak)}] differ from [{string.Join(",", ek)}]");
                }
                else
                {
                    Assert.True(ek.Order().SequenceEqual(ak.Order()), $"{path}: keys [{string.Join(",", ak)}] differ from [{string.Join(",", ek)}]");
                }

                foreach (var key in ek)
                {
                    Compare(expected.GetProperty(key), actual.GetProperty(key), $"{path}.{key}", keyOrder);
                }

                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: array length {actual.GetArrayLength()} != {expected.GetArrayLength()}");
                var i = 0;
                foreach (var (x, y) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                {
                    Compare(x, y, $"{path}[{i++}]", keyOrder);
                }

                break;
            case JsonValueKind.Number:
                Assert.True(expected.GetDecimal() == actual.GetDecimal(), $"{path}: {actual.GetRawText()} != {expected.GetRawText()}");
                break;
            case JsonValueKind.String:
                Assert.True(expected.GetString() == actual.GetString(), $"{path}: \"{actual.GetString()}\" != \"{expected.GetString()}\"");
                break;
        }
    }
}
