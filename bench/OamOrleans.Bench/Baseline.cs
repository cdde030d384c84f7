using System.Globalization;
using System.Text.Json;

namespace OamOrleans.Bench;

/// <summary>One guarded cell of a saved baseline: ratios (never absolute times, the machine is shared) and the allocation budget.</summary>
internal sealed record BaselineRow(string Id, string Phase, int InFlight, double? CpuVsBare, double? ThroughputVsRaw, double? AllocBytesPerRequest);

/// <summary>How far a run may fall behind a baseline before the check fails: relative, per measure.</summary>
/// <param name="CpuVsBare">
/// Host CPU ÷ bare responder may rise by this fraction: a doubling. Runs of one build on this shared 2-core machine spread
/// 1.26–1.85× (stateless) and 2.3–4.2× (conversational), so the CPU check only catches gross regressions; the allocation
/// budget is the tight one.
/// </param>
/// <param name="ThroughputVsRaw">req/s ÷ raw may fall by this fraction.</param>
/// <param name="AllocBytes">Bytes allocated per request may rise by this fraction (allocation is nearly deterministic).</param>
internal sealed record BaselineTolerance(double CpuVsBare = 1.0, double ThroughputVsRaw = 0.35, double AllocBytes = 0.15);

/// <summary>
/// The regression guard (issue 20): <c>--write-baseline file</c> saves a run's ratios for the cells with many requests
/// in flight (the 1-in-flight cells move ±50 % between runs and are not guarded); <c>--check-baseline file</c> compares a
/// run to it and fails (exit code 3) naming every cell that moved beyond the tolerance. The allocation budget is the
/// baseline's bytes per request of the rows the bench process hosts (the stateless row above all).
/// </summary>
internal sealed record Baseline(string Command, string? Commit, string Timestamp, BaselineTolerance Tolerance, List<BaselineRow> Rows)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Baseline From(Report report) => new(
        report.Command,
        report.Commit,
        report.Timestamp,
        new BaselineTolerance(),
        report.Rows
            .Where(r => r.InFlight >= 16 && r.Id is not ("raw" or "bare"))
            // A row whose caller shares the host (†) has its CPU ratio swing with the caller's share: not guarded on CPU.
            .Select(r => new BaselineRow(r.Id, r.Phase, r.InFlight, r.CallerInHost ? null : Round(r.CpuVsBare), Round(r.ThroughputVsRaw),
                r.HostAllocBytes is { } b ? Math.Round(b) : null))
            .ToList());

    public static async Task<Baseline> ReadAsync(string path) =>
        JsonSerializer.Deserialize<Baseline>(await File.ReadAllTextAsync(path), Json) ?? throw new InvalidDataException($"{path} holds no baseline");

    public Task WriteAsync(string path) => File.WriteAllTextAsync(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Every regression beyond the tolerance, one sentence each; also prints the comparison.</summary>
    public List<string> Check(Report report, TextWriter output)
    {
        var failures = new List<string>();
        output.WriteLine($"Baseline check against {Commit ?? "?"} ({Timestamp}), tolerance: CPU ÷ bare +{Tolerance.CpuVsBare:P0}, req/s ÷ raw -{Tolerance.ThroughputVsRaw:P0}, B/req +{Tolerance.AllocBytes:P0}");
        foreach (var b in Rows)
        {
            var run = report.Rows.FirstOrDefault(r => r.Id == b.Id && r.Phase == b.Phase && r.InFlight == b.InFlight);
            if (run is null)
            {
                output.WriteLine($"  {b.Id} x{b.InFlight} ({b.Phase}): not measured in this run, skipped");
                continue;
            }

            void Compare(string measure, double? baseline, double? now, double tolerance, bool higherIsWorse)
            {
                if (baseline is not { } was || now is not { } value)
                {
                    return;
                }

                var limit = higherIsWorse ? was * (1 + tolerance) : was * (1 - tolerance);
                var bad = higherIsWorse ? value > limit : value < limit;
                var line = string.Create(CultureInfo.InvariantCulture, $"{b.Id} x{b.InFlight} ({b.Phase}) {measure}: {value:0.##} vs baseline {was:0.##} (limit {limit:0.##})");
                output.WriteLine($"  {(bad ? "REGRESSION" : "ok        ")} {line}");
                if (bad)
                {
                    failures.Add(line);
                }
            }

            Compare("host CPU ÷ bare", b.CpuVsBare, run.CpuVsBare, Tolerance.CpuVsBare, higherIsWorse: true);
            Compare("req/s ÷ raw", b.ThroughputVsRaw, run.ThroughputVsRaw, Tolerance.ThroughputVsRaw, higherIsWorse: false);
            Compare("bytes allocated per request (budget)", b.AllocBytesPerRequest, run.HostAllocBytes, Tolerance.AllocBytes, higherIsWorse: true);
        }

        return failures;
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 3) : null;
}
