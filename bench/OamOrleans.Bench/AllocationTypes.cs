using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace OamOrleans.Bench;

/// <summary>
/// Which types the host allocates (<c>--alloc-types</c>): the runtime's allocation-tick events (one per ~100 KB
/// allocated, naming the type that crossed the mark), summed by type while a row runs. A sampling view, to find what to
/// cut; the budget itself is <see cref="Sample.HostAllocBytes"/>.
/// </summary>
internal sealed class AllocationTypes : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is not { } names)
        {
            return;
        }

        var type = e.Payload![names.IndexOf("TypeName")] as string ?? "?";
        var amountIndex = names.IndexOf("AllocationAmount64");
        var amount = amountIndex >= 0 ? Convert.ToInt64(e.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, total) => total + amount);
    }

    /// <summary>The top types by sampled bytes, with their share.</summary>
    public void Print(TextWriter output, string row, int top = 25)
    {
        var total = _bytes.Values.Sum();
        output.WriteLine($"Allocation by type while '{row}' ran (sampled every ~100 KB, {total / 1048576.0:N0} MiB sampled):");
        foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(top))
        {
            output.WriteLine($"  {100.0 * bytes / total,5:N1} %  {type}");
        }
    }
}
