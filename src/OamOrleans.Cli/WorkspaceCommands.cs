using System.CommandLine;

namespace OamOrleans.Cli;

internal static class WorkspaceCommands
{
    public static Command Build() => new("workspace", "Put, get and remove artifacts in the workspace (object store mesh-artifacts).");
}
