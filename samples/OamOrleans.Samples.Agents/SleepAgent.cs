using OamOrleans.Client;
using OamOrleans.Protocol;

namespace OamOrleans.Samples.Agents;

public sealed record SleepIn(int Ms);

public sealed record SleepOut(int Slept);

/// <summary>
/// <c>demo.sleep</c>: <c>{"ms": n}</c> waits n milliseconds (0–10,000), then answers <c>{"slept": n}</c>. A slow agent to
/// try timeouts and overload with: its requests hold their slot in the bridge for as long as they wait.
/// </summary>
[Agent("demo.sleep", Description = "Waits the given milliseconds (0-10000), then answers.", Tags = ["demo"])]
public sealed class SleepAgent : Agent<SleepIn, SleepOut>
{
    /// <summary>The longest wait accepted.</summary>
    public const int MaxMs = 10_000;

    protected override async Task<SleepOut> HandleAsync(SleepIn input, AgentContext context)
    {
        if (input.Ms is < 0 or > MaxMs)
        {
            throw new MeshException(MeshErrorCodes.InvalidInput, $"ms must be between 0 and {MaxMs}, was {input.Ms}");
        }

        await Task.Delay(input.Ms);
        return new SleepOut(input.Ms);
    }
}
