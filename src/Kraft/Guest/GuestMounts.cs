using System.Text;
using Kraft.Machines;

namespace Kraft.Guest;

/// <summary>
/// What the guest mounts at boot, as pure functions: the 9pfs devices for QEMU and the
/// <c>vfs.fstab=[ ... ]</c> library parameter vfscore's automount reads
/// (<c>dev:mountpoint:driver[:flags[:opts[:ukopts]]]</c>).
/// </summary>
public static class GuestMounts
{
    /// <summary>
    /// The initrd extracted as the root filesystem. KraftKit writes initrd0:/:extract::: ; real
    /// Unikraft (0.16.3, 0.17.0 vfscore automount) then has nothing mounted at / to extract into
    /// ("Failed to extract cpio archive to /: -2"), so ramfs=2 asks it to mount a ramfs there first
    /// unless something else is mounted already.
    /// </summary>
    public const string InitrdRootEntry = "initrd0:/:" + InitrdExtract;
    const string InitrdExtract = "extract::ramfs=2:";
    /// <summary>MS_RDONLY, vfscore's numeric mount flag for a read-only mount.</summary>
    public const int ReadOnlyFlag = 1;

    /// <summary>The 9p mount tag of the <paramref name="index"/>-th volume (0-based): fs1, fs2...</summary>
    public static string Tag(int index) => $"fs{index + 1}";

    /// <summary>The 9pfs shares among <paramref name="mounts"/>, in order (the initrd is not one).</summary>
    public static IReadOnlyList<VolumeMount> Shares(IReadOnlyList<VolumeMount> mounts) =>
        mounts.Where(m => m.Driver == VolumeMount.NinePfs).ToList();

    /// <summary>
    /// The fstab entries, in the order of <paramref name="mounts"/>: the initrd extracted at its
    /// path (on a ramfs unless something is mounted: <see cref="InitrdRootEntry"/>), each 9pfs share by its tag, read-only ones with MS_RDONLY.
    /// </summary>
    public static IReadOnlyList<string> FstabEntries(IReadOnlyList<VolumeMount> mounts)
    {
        var list = new List<string>();
        var share = 0;
        foreach (var m in mounts)
        {
            if (m.Driver == VolumeMount.Initrd)
                list.Add($"initrd0:{m.GuestPath}:{InitrdExtract}");
            else if (m.Driver == VolumeMount.Ramfs)
                list.Add($"none:{m.GuestPath}:ramfs:::");
            else
                // No mkmp for "/": there is nothing to make it in (real Unikraft 0.16.3 fails the boot with -ENOTDIR).
                list.Add($"{Tag(share++)}:{m.GuestPath}:9pfs:{(m.ReadOnly ? ReadOnlyFlag.ToString() : "")}::{(m.GuestPath == "/" ? "" : "mkmp")}");
        }
        return list;
    }

    /// <summary>
    /// Whether 9pfs shares need an empty ramfs at "/" first: with nothing mounted at the root, real
    /// Unikraft (0.16.3, 0.17.0) cannot make a share's mount point (-v DIR:/data failed its boot with
    /// -ENOTDIR). Only when the image has ramfs, and no fallback root of its own.
    /// </summary>
    public static bool NeedsRamfsRoot(ImageKconfig? config, IReadOnlyList<VolumeMount> mounts) =>
        config is not null && config.IsEnabled("CONFIG_LIBRAMFS") && !config.IsEnabled("CONFIG_LIBVFSCORE_AUTOMOUNT_FB")
        && mounts.Count > 0 && mounts.All(m => m.GuestPath != "/");

    /// <summary>vfs.fstab=[ ... ] for <paramref name="mounts"/>, or null when there is nothing to mount.</summary>
    public static string? FstabParam(IReadOnlyList<VolumeMount> mounts) => FstabParam(FstabEntries(mounts));

    /// <summary>vfs.fstab=[ "e1" "e2" ], or null when there is nothing to mount.</summary>
    public static string? FstabParam(IReadOnlyList<string> entries)
    {
        if (entries.Count == 0) return null;
        var sb = new StringBuilder("vfs.fstab=[ ");
        foreach (var e in entries) sb.Append('"').Append(e).Append("\" ");
        return sb.Append(']').ToString();
    }

    /// <summary>
    /// QEMU's -fsdev/-device pairs for the volumes. <paramref name="passthrough"/> (root only)
    /// keeps host ownership and modes; otherwise security_model=none, which a normal user can run.
    /// </summary>
    public static IReadOnlyList<string> QemuArgs(IReadOnlyList<VolumeMount> mounts, bool passthrough)
    {
        var a = new List<string>();
        var shares = Shares(mounts);
        for (var i = 0; i < shares.Count; i++)
        {
            var v = shares[i];
            var fsdev = $"local,id=hvirtio{i + 1},path={QemuOptionValue(v.Source)},security_model={(passthrough ? "passthrough" : "none")}";
            if (v.ReadOnly) fsdev += ",readonly=on";
            a.AddRange(["-fsdev", fsdev, "-device", $"virtio-9p-pci,fsdev=hvirtio{i + 1},mount_tag={Tag(i)}"]);
        }
        return a;
    }

    /// <summary>A value inside a QEMU option list: commas are doubled.</summary>
    public static string QemuOptionValue(string value) => value.Replace(",", ",,");

    /// <summary>
    /// Checks before boot that the image can mount what it is given, reading its .config
    /// (null: not known, nothing is refused). Returns whether the initrd should be extracted as /
    /// through vfs.fstab (the image mounts from the command line).
    /// </summary>
    /// <param name="prebuiltFrom">
    /// Where a prebuilt kernel came from ("the runtime REF", "the image REF"), or null for one built
    /// from the user's project: a prebuilt one cannot be rebuilt with other options, so the hint
    /// points at its root filesystem instead.
    /// </param>
    public static bool CheckImage(ImageKconfig? config, string kernelPath, bool hasInitrd, IReadOnlyList<VolumeMount> volumes, string? prebuiltFrom = null)
    {
        if (config is null) return false; // unknown image: a vfs.fstab it may not parse could reach main() as arguments
        if (volumes.Count > 0)
        {
            var volume = $"{volumes[0].Source}:{volumes[0].GuestPath}";
            var instead = $"give the files to {prebuiltFrom} as its root filesystem instead (--rootfs DIR, or rootfs: in the Kraftfile), or use a runtime that has 9pfs";
            if (!config.Has9pfs)
                throw prebuiltFrom is null
                    ? new KraftException(
                        $"{kernelPath} was built without 9pfs, so it cannot mount the volume {volume} "
                        + $"({config.Path} does not enable CONFIG_LIB9PFS and CONFIG_LIBUK9P)",
                        hint: "add to the Kraftfile's kconfig: CONFIG_LIBVFSCORE=y, CONFIG_LIBVFSCORE_AUTOMOUNT_UP=y, CONFIG_LIBUK9P=y, CONFIG_LIB9PFS=y; then kraft build")
                    : new KraftException(
                        $"{prebuiltFrom} has no 9pfs, so its kernel cannot mount the volume {volume} "
                        + $"(its {config.Path} does not enable CONFIG_LIB9PFS and CONFIG_LIBUK9P; it is prebuilt, so it cannot be rebuilt with them)",
                        hint: instead);
            if (!config.MountsFromCommandLine)
                throw prebuiltFrom is null
                    ? new KraftException(
                        $"{kernelPath} does not mount volumes given at boot ({config.Path} does not enable CONFIG_LIBVFSCORE_AUTOMOUNT_UP)",
                        hint: "add CONFIG_LIBVFSCORE_AUTOMOUNT_UP=y to the Kraftfile's kconfig and rebuild")
                    : new KraftException(
                        $"{prebuiltFrom} does not mount volumes given at boot (its {config.Path} does not enable CONFIG_LIBVFSCORE_AUTOMOUNT_UP; it is prebuilt, so it cannot be rebuilt with it)",
                        hint: instead);
        }
        return hasInitrd && config.MountsFromCommandLine;
    }
}

/// <summary>Parses the -v/--volume flag.</summary>
public static class VolumeFlag
{
    public const string Hint = "write a volume as HOSTDIR:GUESTPATH or HOSTDIR:GUESTPATH:ro (or NAME:GUESTPATH for a volume made with kraft vol create)";

    /// <summary>"SRC:/guest[:ro|rw]" into its parts; the guest path must be absolute.</summary>
    public static (string Source, string GuestPath, bool ReadOnly) Parse(string text)
    {
        var parts = text.Split(':');
        var readOnly = false;
        if (parts.Length == 3)
        {
            readOnly = parts[2] switch
            {
                "ro" => true,
                "rw" => false,
                _ => throw new KraftException($"invalid volume '{text}': unknown option '{parts[2]}'", hint: Hint),
            };
            parts = parts[..2];
        }
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new KraftException($"invalid volume '{text}'", hint: Hint);
        if (!parts[1].StartsWith('/'))
            throw new KraftException($"invalid volume '{text}': the guest path '{parts[1]}' is not absolute", hint: Hint);
        if (parts[1].Split('/').Any(p => p is "." or ".."))
            throw new KraftException($"invalid volume '{text}': the guest path may not contain '.' or '..'", hint: Hint);
        if (parts[1].Any(c => char.IsWhiteSpace(c) || c == '"'))
            throw new KraftException($"invalid volume '{text}': the guest path may not contain spaces or quotes (vfs.fstab cannot carry them)", hint: Hint);
        return (parts[0], parts[1], readOnly);
    }
}
