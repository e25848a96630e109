using System.CommandLine;

namespace Kraft.Cli;

/// <summary><c>kraft pkg</c>: OCI packaging and images (PkgImageCommands, PkgRegistryCommands); the component index (sources, update, list, info) and component trees (pull, rm).</summary>
public static class PkgCommand
{
    public static Command Create()
    {
        var pkg = new Command("pkg", "Package unikernels as OCI images (kraft pkg [DIR] --name REF), and manage images and components")
        {
            PkgUpdateCommand.Create(),
            PkgListCommand.Create(),
            PkgInfoCommand.Create(),
            PkgPullCommand.Create(),
            PkgRemoveCommand.Create(),
            PkgSourceCommand.Create(),
            PkgUnsourceCommand.Create(),
            PkgRegistryCommands.Push(),
            PkgImageCommands.Prune(),
        };
        PkgImageCommands.AddPackaging(pkg);
        return pkg;
    }
}
