using Kraft.Machines;
using Kraft.Project;
using Kraft.Rootfs;

namespace Kraft.Guest;

/// <summary>What a machine is given to mount: its initrd (maybe built from a rootfs), its volumes (9pfs shares, and the initrd as / when the image mounts from the command line), and the vfs.fstab= that mounts them.</summary>
/// <param name="FstabParam">vfs.fstab=[ ... ] for the kernel command line, or null.</param>
public sealed record GuestStorage(string? InitrdPath, IReadOnlyList<VolumeMount> Volumes, string? FstabParam, RootfsResult? Rootfs)
{
    public static readonly GuestStorage None = new(null, [], null, null);

    /// <summary>
    /// Resolves `kraft run`'s --rootfs, --initrd and -v (and, for a project, its Kraftfile's
    /// rootfs: and volumes:) against the kernel's .config, refusing before boot what the image
    /// cannot mount. Relative -v and --rootfs paths are relative to the current directory;
    /// Kraftfile ones to the project.
    /// </summary>
    public static GuestStorage Resolve(string kernelPath, string arch, KraftProject? project, string? rootfs, string? initrd,
        IReadOnlyList<string> volumeFlags, VolumeStore volumes, IReporter reporter, CancellationToken cancel = default, string? prebuiltFrom = null)
    {
        if (!string.IsNullOrEmpty(rootfs) && !string.IsNullOrEmpty(initrd))
            throw new KraftException("--rootfs and --initrd both give the initial ramdisk", hint: "give one of them");

        RootfsResult? built = null;
        string? initrdPath = string.IsNullOrEmpty(initrd) ? null : initrd;
        if (initrdPath is null)
        {
            if (project is not null)
                built = ProjectRootfs.Build(project, arch, rootfs, reporter, cancel);
            else if (!string.IsNullOrEmpty(rootfs))
                built = new RootfsBuilder(reporter, RootfsCache.DefaultDirectory()).Resolve(rootfs, null, cancel);
            initrdPath = built?.CpioPath;
        }

        var mounts = new List<VolumeMount>();
        var cwd = Environment.CurrentDirectory;
        foreach (var flag in volumeFlags)
        {
            var (source, guest, ro) = VolumeFlag.Parse(flag);
            mounts.Add(volumes.Resolve(source, guest, ro, cwd));
        }
        if (project is not null)
            foreach (var v in project.Volumes)
            {
                if (v.Driver is not (null or "" or "9pfs"))
                    throw new KraftException($"volume {v.Source}:{v.Destination} uses the driver '{v.Driver}', which kraft cannot attach",
                        new SourceLocation(project.KraftfilePath), "use driver: 9pfs (or leave it out)");
                mounts.Add(volumes.Resolve(v.Source, v.Destination, v.ReadOnly, project.Directory));
            }
        var taken = mounts.GroupBy(m => m.GuestPath).FirstOrDefault(g => g.Count() > 1);
        if (taken is not null)
            throw new KraftException($"two volumes are mounted at {taken.Key}", hint: "give each volume its own guest path");

        var config = ImageKconfig.ForKernel(kernelPath);
        var extractRoot = GuestMounts.CheckImage(config, kernelPath, initrdPath is not null, mounts, prebuiltFrom);
        if (extractRoot)
            mounts.Insert(0, new VolumeMount { Source = initrdPath!, GuestPath = "/", Driver = VolumeMount.Initrd });
        else if (GuestMounts.NeedsRamfsRoot(config, mounts))
            mounts.Insert(0, new VolumeMount { Source = "none", GuestPath = "/", Driver = VolumeMount.Ramfs });
        return new GuestStorage(initrdPath, mounts, GuestMounts.FstabParam(mounts), built);
    }
}
