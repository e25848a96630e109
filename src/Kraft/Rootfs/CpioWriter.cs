using System.Text;

namespace Kraft.Rootfs;

/// <summary>
/// Writes SVR4 "newc" cpio archives (magic 070701), the format Linux and Unikraft's ukcpio read
/// as an initrd. The bytes are a function of the members alone: members are sorted by path
/// component, inode numbers count up from 1 in that order, and mtime, uid and gid are 0, so the
/// same tree gives the same archive byte for byte on any machine and at any time.
/// </summary>
public static class CpioWriter
{
    public const string Magic = "070701";
    public const string Trailer = "TRAILER!!!";
    /// <summary>The longest member name Linux accepts (PATH_MAX, without the NUL).</summary>
    public const int MaxPathBytes = 4095;
    /// <summary>newc sizes are 32-bit.</summary>
    public const long MaxFileBytes = uint.MaxValue;
    /// <summary>GNU cpio pads archives to whole 512-byte blocks; so do we, so tools that expect it are happy.</summary>
    public const int BlockSize = 512;

    /// <summary>Sorts, checks and numbers <paramref name="entries"/> and writes the archive (with its TRAILER!!!).</summary>
    /// <returns>The number of bytes written.</returns>
    public static long Write(Stream output, IEnumerable<CpioEntry> entries, CancellationToken cancel = default)
    {
        var members = Prepare(entries);
        var w = new CountingWriter(output);
        var buffer = new byte[128 * 1024];
        foreach (var m in members)
        {
            cancel.ThrowIfCancellationRequested();
            var e = m.Entry;
            switch (e.Kind)
            {
                case CpioEntryKind.File when e.Content is { } content:
                    CheckSize(e, content.Length);
                    WriteHeader(w, m, (uint)content.Length);
                    w.Write(content.Span);
                    w.Pad4();
                    break;
                case CpioEntryKind.File when e.SourcePath is { } source:
                    WriteFileFrom(w, m, source, buffer);
                    break;
                case CpioEntryKind.File:
                    WriteHeader(w, m, 0);
                    break;
                case CpioEntryKind.Symlink:
                    var target = Encoding.UTF8.GetBytes(e.LinkTarget ?? "");
                    WriteHeader(w, m, (uint)target.Length);
                    w.Write(target);
                    w.Pad4();
                    break;
                default:
                    WriteHeader(w, m, 0);
                    break;
            }
        }
        WriteHeader(w, new Member(new CpioEntry { Path = Trailer, Kind = CpioEntryKind.File }, Trailer, 0, 1, 0), 0, trailer: true);
        var rest = (int)(w.Count % BlockSize);
        if (rest != 0) w.Write(new byte[BlockSize - rest]);
        return w.Count;
    }

    /// <summary>Writes the archive to <paramref name="path"/> atomically (never a half-written file).</summary>
    public static long WriteFile(string path, IEnumerable<CpioEntry> entries, CancellationToken cancel = default)
    {
        var tmp = Host.AtomicFile.TempPathBeside(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try
        {
            long n;
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                n = Write(fs, entries, cancel);
                fs.Flush(flushToDisk: false);
            }
            Host.AtomicFile.Replace(tmp, path);
            return n;
        }
        catch
        {
            Host.AtomicFile.TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Whether <paramref name="path"/> starts like a cpio archive (newc, newc with CRC, or old ASCII odc).</summary>
    public static bool LooksLikeCpio(string path)
    {
        Span<byte> head = stackalloc byte[6];
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        var n = fs.ReadAtLeast(head, 6, throwOnEndOfStream: false);
        if (n < 6) return false;
        return head.SequenceEqual("070701"u8) || head.SequenceEqual("070702"u8) || head.SequenceEqual("070707"u8);
    }

    /// <summary>A member with its archive name, inode number and link count.</summary>
    sealed record Member(CpioEntry Entry, string Name, uint Inode, uint LinkCount, uint Mode);

    static List<Member> Prepare(IEnumerable<CpioEntry> entries)
    {
        var byPath = new Dictionary<string, CpioEntry>(StringComparer.Ordinal);
        foreach (var raw in entries)
        {
            var path = NormalizePath(raw.Path);
            var e = raw.Path == path ? raw : raw with { Path = path };
            if (e.Permissions > 0xFFF)
                throw new KraftException($"rootfs member {Names.Quote(path)} has invalid permissions {Convert.ToString(e.Permissions, 8)}",
                    hint: "permissions are at most 07777");
            if (!byPath.TryAdd(path, e))
                throw new KraftException($"rootfs member {Names.Quote(path)} is given twice", hint: "each path may appear once in a root filesystem");
        }
        // Parents that were not given become plain 0755 directories, so readers never meet a
        // member whose directory does not exist yet.
        foreach (var path in byPath.Keys.ToList())
        {
            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            {
                var parent = path[..slash];
                if (byPath.TryGetValue(parent, out var existing))
                {
                    if (existing.Kind != CpioEntryKind.Directory)
                        throw new KraftException($"rootfs member {Names.Quote(path)} is inside {Names.Quote(parent)}, which is not a directory");
                    break;
                }
                byPath[parent] = CpioEntry.Directory(parent);
            }
        }
        var sorted = byPath.Values.OrderBy(e => e.Path, PathOrder.Instance).ToList();

        // Hard link groups: each member names the group by the member its HardLinkOf chain ends at.
        var groupOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in sorted)
        {
            if (e.HardLinkOf is null) continue;
            var at = e;
            for (var hops = 0; at.HardLinkOf is not null; hops++)
            {
                var of = NormalizePath(at.HardLinkOf);
                if (!byPath.TryGetValue(of, out var target) || target.Kind != CpioEntryKind.File || at.Kind != CpioEntryKind.File || hops > byPath.Count)
                    throw new KraftException($"rootfs member {Names.Quote(at.Path)} is a hard link of {Names.Quote(of)}, which is not a regular file in the archive");
                at = target;
            }
            groupOf[e.Path] = at.Path;
            groupOf[at.Path] = at.Path;
        }
        var heads = new Dictionary<string, string>(StringComparer.Ordinal); // group key -> first member in order
        var groupSize = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var e in sorted)
            if (groupOf.TryGetValue(e.Path, out var g))
            {
                heads.TryAdd(g, e.Path);
                groupSize[g] = groupSize.GetValueOrDefault(g) + 1;
            }
        var subdirs = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var e in sorted)
            if (e.Kind == CpioEntryKind.Directory && e.Path.LastIndexOf('/') is var s and > 0)
                subdirs[e.Path[..s]] = subdirs.GetValueOrDefault(e.Path[..s]) + 1;

        var members = new List<Member>(sorted.Count);
        var inodeOf = new Dictionary<string, uint>(StringComparer.Ordinal);
        uint next = 1;
        foreach (var e in sorted)
        {
            uint inode, links = 1;
            if (groupOf.TryGetValue(e.Path, out var g))
            {
                var head = heads[g];
                if (!inodeOf.TryGetValue(head, out inode)) inodeOf[head] = inode = next++;
                links = groupSize[g];
            }
            else inode = next++;
            if (e.Kind == CpioEntryKind.Directory) links = 2 + subdirs.GetValueOrDefault(e.Path);
            members.Add(new Member(e, e.Path, inode, links, TypeBits(e.Kind) | e.Permissions));
        }
        return members;
    }

    /// <summary>"./a//b/" → "a/b"; refuses "..", NUL, empty paths and names over PATH_MAX.</summary>
    public static string NormalizePath(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Length == 0 || parts.Any(p => p == "..") || path.Contains('\0'))
            throw new KraftException($"invalid rootfs member path {Names.Quote(path)}",
                hint: "member paths are relative to the guest's root and may not be empty, contain '..' or NUL");
        var normal = string.Join('/', parts);
        if (Encoding.UTF8.GetByteCount(normal) > MaxPathBytes)
            throw new KraftException($"rootfs member path {Names.Quote(normal)} is longer than {MaxPathBytes} bytes");
        return normal;
    }

    static uint TypeBits(CpioEntryKind kind) => kind switch
    {
        CpioEntryKind.Directory => 0x4000,
        CpioEntryKind.File => 0x8000,
        CpioEntryKind.Symlink => 0xA000,
        CpioEntryKind.CharDevice => 0x2000,
        CpioEntryKind.BlockDevice => 0x6000,
        CpioEntryKind.Fifo => 0x1000,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    static void CheckSize(CpioEntry e, long size)
    {
        if (size > MaxFileBytes)
            throw new KraftException($"rootfs file {Names.Quote(e.Path)} is {size} bytes: a cpio (newc) member holds at most 4 GiB - 1",
                hint: "leave the file out of the root filesystem, or give it to the guest through a volume (-v)");
    }

    // Every member of a hard link group carries the data, not only the last as GNU cpio writes it:
    // Unikraft's ukcpio ignores the link count and would otherwise extract the other names empty,
    // while cpio, bsdtar and Linux still make one file (they link a later name to the first).
    static void WriteFileFrom(CountingWriter w, Member m, string source, byte[] buffer)
    {
        using var fs = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var size = fs.Length;
        CheckSize(m.Entry, size);
        WriteHeader(w, m, (uint)size);
        var left = size;
        while (left > 0)
        {
            var n = fs.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0)
                throw new KraftException($"{source} became shorter while it was being archived",
                    hint: "do not change the root filesystem's files during the build; run the command again");
            w.Write(buffer.AsSpan(0, n));
            left -= n;
        }
        w.Pad4();
    }

    static void WriteHeader(CountingWriter w, Member m, uint fileSize, bool trailer = false)
    {
        var name = Encoding.UTF8.GetBytes(m.Name);
        var h = new byte[110];
        Encoding.ASCII.GetBytes(Magic, h);
        uint[] fields =
        [
            trailer ? 0 : m.Inode, m.Mode, 0 /* uid */, 0 /* gid */, m.LinkCount, 0 /* mtime */, fileSize,
            0 /* devmajor */, 0 /* devminor */, m.Entry.RdevMajor, m.Entry.RdevMinor, (uint)name.Length + 1, 0 /* check */,
        ];
        for (var i = 0; i < fields.Length; i++)
            fields[i].TryFormat(h.AsSpan(6 + 8 * i, 8), out _, "X8");
        w.Write(h);
        w.Write(name);
        w.Write([0]);
        w.Pad4();
    }

    /// <summary>Sorts paths component by component, so a directory's members follow it directly.</summary>
    sealed class PathOrder : IComparer<string>
    {
        public static readonly PathOrder Instance = new();
        public int Compare(string? x, string? y)
        {
            var a = x.AsSpan();
            var b = y.AsSpan();
            while (true)
            {
                var i = a.IndexOf('/');
                var j = b.IndexOf('/');
                var ca = i < 0 ? a : a[..i];
                var cb = j < 0 ? b : b[..j];
                var c = ca.SequenceCompareTo(cb);
                if (c != 0) return c;
                if (i < 0 || j < 0) return (i < 0 ? 0 : 1) - (j < 0 ? 0 : 1);
                a = a[(i + 1)..];
                b = b[(j + 1)..];
            }
        }
    }

    sealed class CountingWriter(Stream s)
    {
        public long Count { get; private set; }
        public void Write(ReadOnlySpan<byte> bytes)
        {
            s.Write(bytes);
            Count += bytes.Length;
        }
        public void Pad4()
        {
            var pad = (int)((4 - Count % 4) % 4);
            if (pad > 0) Write(stackalloc byte[pad]);
        }
    }
}
