using System.CommandLine;

namespace OamOrleans.Cli;

internal static partial class AgentCommands
{
    private static void AddStreamingCommands(Command agent)
    {
        _ = agent;
    }
}
