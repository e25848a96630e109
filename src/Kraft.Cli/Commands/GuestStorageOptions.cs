using System.CommandLine;

namespace Kraft.Cli;

/// <summary>--rootfs and -v/--volume, for the commands that boot a machine.</summary>
public sealed class GuestStorageOptions
{
    public Option<string?> Rootfs { get; } = new("--rootfs")
    {
        Description = "Root filesystem for the guest: a directory, a cpio archive or a Dockerfile (default: the Kraftfile's rootfs)",
    };
    public Option<string[]> Volumes { get; } = new("--volume", "-v")
    {
        Description = "Share a host directory (or a named volume) with the guest over 9pfs: HOSTDIR:GUESTPATH[:ro] (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Rootfs);
        command.Options.Add(Volumes);
    }
}
