using System.CommandLine;

namespace OamOrleans.Cli;

internal static class KvCommands
{
    public static Command Build() => new("kv", "Read and write the shared context KV (bucket mesh-context).");
}
