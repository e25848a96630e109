using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg</c>: the component index (sources, update, list, info) and component trees (pull, rm).</summary>
public static class PkgCommand
{
    public static Command Create() => new("pkg", "Find, fetch and manage Unikraft components through the component index")
    {
        PkgUpdateCommand.Create(),
        PkgListCommand.Create(),
        PkgInfoCommand.Create(),
        PkgPullCommand.Create(),
        PkgRemoveCommand.Create(),
        PkgSourceCommand.Create(),
        PkgUnsourceCommand.Create(),
    };
}
