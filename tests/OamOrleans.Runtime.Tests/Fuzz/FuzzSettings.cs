using System.Globalization;

namespace OamOrleans.Runtime.Tests.Fuzz;

/// <summary>
/// How many hostile messages a fuzz run sends and from which seed: <c>OAM_FUZZ_COUNT</c> (default 10,000) and
/// <c>OAM_FUZZ_SEED</c> (default a fixed seed, so CI runs are reproducible). A failure names both, so the run can be
/// repeated exactly: <c>OAM_FUZZ_SEED=... OAM_FUZZ_COUNT=... dotnet test tests/OamOrleans.Runtime.Tests --filter Hostile</c>.
/// </summary>
internal static class FuzzSettings
{
    public const int DefaultCount = 10_000;
    public const int DefaultSeed = 15_2026;

    public static int Count => Read("OAM_FUZZ_COUNT", DefaultCount);

    public static int Seed => Read("OAM_FUZZ_SEED", DefaultSeed);

    public static string Describe(int seed, int count) => $"OAM_FUZZ_SEED={seed} OAM_FUZZ_COUNT={count}";

    private static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
