using Kraft.Host;

namespace Kraft.Rootfs;

/// <summary>
/// Reads a host directory as root filesystem members: every file, directory (empty ones too),
/// symbolic link (kept as a link, never followed), device node and FIFO below it, with its
/// permission bits; regular files with several names inside the tree become hard links.
/// Sockets cannot be archived and are left out with a warning.
/// </summary>
public static class DirectoryTree
{
    public const int MaxDepth = 256;
    public const int MaxEntries = 1_000_000;

    public static IReadOnlyList<CpioEntry> Scan(string root, IReporter? reporter = null, CancellationToken cancel = default)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
            throw new KraftException($"rootfs directory {root} does not exist", hint: "--rootfs takes a directory, a cpio archive or a Dockerfile");
        var entries = new List<CpioEntry>();
        var firstName = new Dictionary<(uint, uint, ulong), string>();
        Walk(full, "", 0, entries, firstName, reporter, cancel);
        return entries;
    }

    static void Walk(string dir, string prefix, int depth, List<CpioEntry> entries,
        Dictionary<(uint, uint, ulong), string> firstName, IReporter? reporter, CancellationToken cancel)
    {
        if (depth > MaxDepth)
            throw new KraftException($"rootfs directory {dir} is nested more than {MaxDepth} levels deep");
        string[] children;
        try { children = Directory.GetFileSystemEntries(dir); }
        catch (UnauthorizedAccessException e) { throw new KraftException($"cannot read rootfs directory {dir}: {e.Message}", hint: "make it readable by you"); }
        Array.Sort(children, StringComparer.Ordinal);
        foreach (var child in children)
        {
            cancel.ThrowIfCancellationRequested();
            if (entries.Count >= MaxEntries)
                throw new KraftException($"rootfs directory has more than {MaxEntries} entries", hint: "leave large trees out of the root filesystem, or mount them as a volume (-v)");
            var name = Path.GetFileName(child);
            var path = prefix.Length == 0 ? name : prefix + "/" + name;
            FileStatus st;
            try { st = FileStatus.Of(child); }
            catch (FileNotFoundException) { continue; } // removed while we walk
            var perms = st.Permissions;
            switch (st.Kind)
            {
                case FileKind.Directory:
                    entries.Add(new CpioEntry { Path = path, Kind = CpioEntryKind.Directory, Permissions = perms });
                    Walk(child, path, depth + 1, entries, firstName, reporter, cancel);
                    break;
                case FileKind.Regular:
                    string? linkOf = null;
                    if (st.LinkCount > 1)
                    {
                        var key = (st.DeviceMajor, st.DeviceMinor, st.Inode);
                        if (!firstName.TryAdd(key, path)) linkOf = firstName[key];
                    }
                    entries.Add(new CpioEntry { Path = path, Kind = CpioEntryKind.File, Permissions = perms, SourcePath = child, HardLinkOf = linkOf });
                    break;
                case FileKind.Symlink:
                    entries.Add(new CpioEntry
                    {
                        Path = path, Kind = CpioEntryKind.Symlink, Permissions = perms,
                        LinkTarget = new FileInfo(child).LinkTarget ?? "",
                    });
                    break;
                case FileKind.CharDevice or FileKind.BlockDevice:
                    entries.Add(new CpioEntry
                    {
                        Path = path, Kind = st.Kind == FileKind.CharDevice ? CpioEntryKind.CharDevice : CpioEntryKind.BlockDevice,
                        Permissions = perms, RdevMajor = st.RdevMajor, RdevMinor = st.RdevMinor,
                    });
                    break;
                case FileKind.Fifo:
                    entries.Add(new CpioEntry { Path = path, Kind = CpioEntryKind.Fifo, Permissions = perms });
                    break;
                default:
                    reporter?.Warn($"rootfs: {child} is a {st.Kind.ToString().ToLowerInvariant()} and was left out (cpio cannot hold it)");
                    break;
            }
        }
    }
}
