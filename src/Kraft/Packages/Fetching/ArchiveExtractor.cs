using System.Formats.Tar;
using System.IO.Compression;
using Kraft.Host;

namespace Kraft.Packages.Fetching;

/// <summary>
/// Unpacks a tar, tar.gz or zip archive into a folder, safely and all-or-nothing: everything goes
/// into a temporary folder beside the destination, the single top-level folder that GitHub
/// archives have is stripped, and only a complete tree is renamed into place. Entries with
/// <c>..</c> or absolute paths, links that point outside the tree, writes through a link, and
/// device or fifo entries are refused, and nothing is left behind. Sizes are bounded
/// (<see cref="ArchiveLimits"/>: each entry, the total, the number of entries, a link's target, and
/// the free disk space), counted on the bytes actually written rather than on what headers claim,
/// and sparse entries (GNU or PAX), which kraft does not expand, are refused by name.
/// </summary>
public static class ArchiveExtractor
{
    /// <summary>
    /// Extracts <paramref name="archive"/> to <paramref name="destination"/> (replacing what is there
    /// once the new tree is complete). <paramref name="marker"/>, if given, is written as
    /// <see cref="MarkerFile"/> inside the tree before it is moved into place.
    /// </summary>
    public static void Extract(string archive, string destination, string? marker = null, string? describe = null, ArchiveLimits? limits = null)
    {
        describe ??= archive;
        limits ??= ArchiveLimits.Default;
        var kind = ArchiveFormat.Sniff(archive)
            ?? throw new KraftException($"{describe} is not a tar, tar.gz or zip archive", hint: "check the URL: it should name an archive of the component's source tree");
        var dest = Path.GetFullPath(destination);
        var parent = Path.GetDirectoryName(dest)!;
        Directory.CreateDirectory(parent);
        TempName.CleanStale(parent);
        var tmp = TempName.In(parent, Path.GetFileName(dest), "extract");
        Directory.CreateDirectory(tmp);
        try
        {
            var links = new List<(string Link, string Target)>();
            var budget = new Budget(describe, limits, parent);
            try
            {
                if (kind == ArchiveKind.Zip) ExtractZip(archive, describe, tmp, links, budget);
                else ExtractTar(archive, describe, kind == ArchiveKind.TarGz, tmp, links, budget);
            }
            catch (UnreadableTarHeaderException e)
            {
                // TarReader's NotSupportedException for headers it cannot read (GNU sparse maps, multi-volume parts).
                throw e.SparseName is { } name
                    ? Refused(describe, name, "is a sparse file (GNU tar --sparse), which kraft does not unpack; repack the archive without --sparse")
                    : new KraftException($"refusing to unpack {describe}: it uses a tar feature kraft does not unpack (a GNU sparse file or a multi-volume part)",
                        hint: "repack the archive without --sparse (tar -cf, or git archive), or use the component's git source");
            }
            catch (IOException e) when (e is not EndOfStreamException)
            {
                throw IoErrors.Wrap(e, $"unpack {describe} into", parent, "nothing was unpacked; free some disk space (or fix the folder's permissions) and try again");
            }
            // TarReader and ZipArchive also fail on malformed numbers and fields with OverflowException
            // and ArgumentException: damaged data all the same.
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or OverflowException or ArgumentException)
            {
                throw new KraftException($"{describe} is damaged: {(IoErrors.IsResourceKey(e.Message) ? "its data is malformed or cut short" : e.Message)}", hint: "delete it from the cache ('kraft pkg rm NAME') and fetch again");
            }
            // GitHub's archives hold one folder (repo-ref/); the tree is what is inside it.
            var entries = Directory.GetFileSystemEntries(tmp);
            var root = entries.Length == 1 && Directory.Exists(entries[0]) && new DirectoryInfo(entries[0]).LinkTarget is null ? entries[0] : tmp;
            foreach (var (link, target) in links)
                if (!Inside(root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(link)!, target))))
                    throw Refused(describe, Path.GetRelativePath(tmp, link), $"is a link to '{target}', outside the component's tree");
            if (marker is not null) File.WriteAllText(Path.Combine(root, MarkerFile), marker);
            DeleteTree(dest);
            Directory.Move(root, dest);
        }
        finally
        {
            // Every failure path ends here; a failing clean-up must not hide why the unpacking failed.
            try { DeleteTree(tmp); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>The bytes and entries still allowed while one archive is unpacked.</summary>
    sealed class Budget(string archive, ArchiveLimits limits, string folder)
    {
        long _total, _entries;
        public string Archive => archive;
        readonly long _free = FreeSpace(folder);

        public ArchiveLimits Limits => limits;

        public void Entry(string name)
        {
            if (++_entries > limits.MaxEntries)
                throw Refused(archive, name, $"is one entry more than the {limits.MaxEntries:N0} kraft unpacks from one archive");
        }

        /// <summary>Checks a size an entry declares, before anything of it is written.</summary>
        public void Declared(string name, long size)
        {
            if (size > limits.MaxEntryBytes)
                throw Refused(archive, name, $"is {Sizes.Format(size)}, more than the {Sizes.Format(limits.MaxEntryBytes)} kraft unpacks for one file");
            Add(name, size, commit: false);
        }

        /// <summary>Counts bytes as they are written.</summary>
        public void Add(string name, long bytes, bool commit = true)
        {
            var total = _total + bytes;
            if (total > limits.MaxTotalBytes)
                throw Refused(archive, name, $"takes the unpacked tree past the {Sizes.Format(limits.MaxTotalBytes)} kraft unpacks from one archive");
            if (total > _free - limits.FreeSpaceReserve)
                throw new KraftException($"not enough disk space to unpack {archive}: {Sizes.Format(_free)} free beside {folder}, and it needs more than {Sizes.Format(Math.Max(0, total))}",
                    hint: "nothing was unpacked; free some disk space ('kraft pkg prune' removes unused sources) and try again");
            if (commit) _total = total;
        }

        static long FreeSpace(string folder)
        {
            try { return new DriveInfo(folder).AvailableFreeSpace; }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return long.MaxValue; }
        }
    }

    /// <summary>Copies an entry's data, counting every byte against the entry's and the archive's limits.</summary>
    static void CopyBounded(Stream input, string path, string name, Budget budget)
    {
        using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var buffer = new byte[1 << 16];
        long written = 0;
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            written += n;
            if (written > budget.Limits.MaxEntryBytes)
                throw Refused(budget.Archive, name, $"expands past the {Sizes.Format(budget.Limits.MaxEntryBytes)} kraft unpacks for one file");
            budget.Add(name, n);
            output.Write(buffer, 0, n);
        }
    }

    /// <summary>Written inside an extracted tree: which archive (sha256) it came from.</summary>
    public const string MarkerFile = ".kraft-archive";

    /// <summary>The marker of a tree extracted by kraft, or null.</summary>
    public static string? ReadMarker(string tree)
    {
        try { return File.ReadAllText(Path.Combine(tree, MarkerFile)).Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    static void ExtractTar(string file, string archive, bool gzip, string root, List<(string, string)> links, Budget budget)
    {
        using var input = File.OpenRead(file);
        using Stream data = gzip ? new GZipStream(input, CompressionMode.Decompress) : input;
        using var watch = new HeaderWatch(data);
        using var reader = new TarReader(watch);
        while (NextEntry(reader, watch) is { } entry)
        {
            budget.Entry(entry.Name);
            if (entry is PaxTarEntry pax && pax.ExtendedAttributes.Keys.Any(k => k.StartsWith("GNU.sparse.", StringComparison.Ordinal)))
                throw Refused(archive, pax.ExtendedAttributes.GetValueOrDefault("GNU.sparse.name") ?? entry.Name,
                    "is a sparse file (PAX GNU.sparse), which kraft does not unpack; repack the archive without --sparse");
            switch (entry.EntryType)
            {
                case TarEntryType.SparseFile:
                    throw Refused(archive, entry.Name, "is a sparse file (GNU tar --sparse), which kraft does not unpack; repack the archive without --sparse");
                case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes
                    or TarEntryType.LongLink or TarEntryType.LongPath:
                    continue;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    throw Refused(archive, entry.Name, "is a device or fifo");
            }
            var path = Target(archive, root, entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    budget.Declared(entry.Name, entry.Length);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    CopyBounded(entry.DataStream ?? Stream.Null, path, entry.Name, budget);
                    SetMode(path, entry.Mode);
                    break;
                case TarEntryType.SymbolicLink:
                    AddLink(archive, root, path, entry.Name, entry.LinkName, links, budget);
                    break;
                case TarEntryType.HardLink:
                    // A hard link names another entry of the archive; it becomes a copy of it.
                    var source = Target(archive, root, entry.LinkName, existing: true);
                    if (!File.Exists(source) || new FileInfo(source).LinkTarget is not null)
                        throw Refused(archive, entry.Name, $"is a hard link to '{entry.LinkName}', which is not a file earlier in the archive");
                    budget.Declared(entry.Name, new FileInfo(source).Length);
                    budget.Add(entry.Name, new FileInfo(source).Length);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.Copy(source, path);
                    break;
                default:
                    throw Refused(archive, entry.Name, $"has an entry type kraft does not unpack ({entry.EntryType})");
            }
        }
    }

    static TarEntry? NextEntry(TarReader reader, HeaderWatch watch)
    {
        try { return reader.GetNextEntry(); }
        catch (NotSupportedException) { throw new UnreadableTarHeaderException(watch.SparseName()); }
    }

    sealed class UnreadableTarHeaderException(string? sparseName) : Exception
    {
        public string? SparseName { get; } = sparseName;
    }

    /// <summary>
    /// Keeps the last 512-byte block TarReader read whole (headers are read that way), so that an
    /// entry TarReader cannot read (a GNU sparse one) can still be named in the refusal.
    /// </summary>
    sealed class HeaderWatch(Stream inner) : Stream
    {
        readonly byte[] _last = new byte[512];
        bool _have;

        /// <summary>The name in the last header block, if it is a GNU sparse entry's ('S').</summary>
        public string? SparseName()
        {
            if (!_have || _last[156] != (byte)'S') return null;
            var end = Array.IndexOf(_last, (byte)0, 0, 100);
            var name = System.Text.Encoding.UTF8.GetString(_last, 0, end < 0 ? 100 : end);
            return name.Length > 0 ? name : null;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            if (n == 512) { buffer[..512].CopyTo(_last); _have = true; }
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    static void ExtractZip(string file, string archive, string root, List<(string, string)> links, Budget budget)
    {
        using var zip = ZipFile.OpenRead(file);
        if (zip.Entries.Count > budget.Limits.MaxEntries)
            throw new KraftException($"refusing to unpack {archive}: it has {zip.Entries.Count:N0} entries, more than the {budget.Limits.MaxEntries:N0} kraft unpacks from one archive",
                hint: "the archive is malformed or malicious; nothing was unpacked. Check the URL and its sha256");
        // What the central directory declares is checked before anything is written; what the
        // entries really expand to is counted while they are written.
        long declared = 0;
        foreach (var entry in zip.Entries)
        {
            if (entry.Length > budget.Limits.MaxEntryBytes)
                throw Refused(archive, entry.FullName, $"is {Sizes.Format(entry.Length)}, more than the {Sizes.Format(budget.Limits.MaxEntryBytes)} kraft unpacks for one file");
            declared += entry.Length;
        }
        budget.Add(zip.Entries.Count > 0 ? zip.Entries[^1].FullName : archive, declared, commit: false);
        foreach (var entry in zip.Entries)
        {
            budget.Entry(entry.FullName);
            var path = Target(archive, root, entry.FullName);
            var unixMode = (entry.ExternalAttributes >> 16) & 0xFFFF;
            var type = unixMode & 0xF000;
            if (entry.FullName.EndsWith('/') || type == 0x4000)
            {
                Directory.CreateDirectory(path);
                continue;
            }
            if (type == 0xA000)
            {
                AddLink(archive, root, path, entry.FullName, ReadLinkTarget(entry, archive, budget), links, budget);
                continue;
            }
            if (type is not (0 or 0x8000))
                throw Refused(archive, entry.FullName, "is a device or fifo");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var input = entry.Open())
                CopyBounded(input, path, entry.FullName, budget);
            if (unixMode != 0) SetMode(path, (UnixFileMode)(unixMode & 0x1FF));
        }
    }

    /// <summary>A zip link's target: its data, at most <see cref="ArchiveLimits.MaxLinkTarget"/> bytes of UTF-8.</summary>
    static string ReadLinkTarget(ZipArchiveEntry entry, string archive, Budget budget)
    {
        var max = budget.Limits.MaxLinkTarget;
        if (entry.Length > max)
            throw Refused(archive, entry.FullName, $"is a link whose target is {Sizes.Format(entry.Length)} long (a path is at most {max} bytes)");
        using var input = entry.Open();
        var buffer = new byte[max + 1];
        var n = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (n > max)
            throw Refused(archive, entry.FullName, $"is a link whose target is longer than {max} bytes");
        try { return new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, n); }
        catch (System.Text.DecoderFallbackException)
        {
            throw Refused(archive, entry.FullName, "is a link whose target is not UTF-8 text");
        }
    }

    static void AddLink(string archive, string root, string path, string name, string target, List<(string, string)> links, Budget budget)
    {
        if (target.Length > budget.Limits.MaxLinkTarget)
            throw Refused(archive, name, $"is a link whose target is {target.Length} characters long (a path is at most {budget.Limits.MaxLinkTarget} bytes)");
        if (target.Length == 0 || Path.IsPathRooted(target) || target.Contains('\0'))
            throw Refused(archive, name, $"is a link to '{target}', outside the component's tree");
        if (!Inside(root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target))))
            throw Refused(archive, name, $"is a link to '{target}', outside the component's tree");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
        links.Add((path, target));
    }

    /// <summary>Where an entry goes, refusing names that leave the tree or pass through a link made earlier.</summary>
    static string Target(string archive, string root, string name, bool existing = false)
    {
        var clean = name.Replace('\\', '/');
        if (clean.StartsWith('/') || Path.IsPathRooted(clean) || clean.Contains('\0') || (clean.Length > 1 && clean[1] == ':'))
            throw Refused(archive, name, "has an absolute path");
        var parts = clean.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Contains(".."))
            throw Refused(archive, name, "has '..' in its path");
        if (parts.Length == 0)
            return root;
        var path = root;
        for (var i = 0; i < parts.Length; i++)
        {
            path = Path.Combine(path, parts[i]);
            // A link made by an earlier entry must not let a later one write outside the tree.
            if (i < parts.Length - 1 && new FileInfo(path).LinkTarget is not null)
                throw Refused(archive, name, "would be written through a symbolic link");
            if (!existing && i == parts.Length - 1 && (File.Exists(path) || new FileInfo(path).LinkTarget is not null) && !Directory.Exists(path))
                throw Refused(archive, name, "appears twice in the archive");
        }
        return path;
    }

    static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return;
        // Permissions only: no setuid, setgid or sticky bits from an archive.
        var keep = mode & (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(path, keep | UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    static bool Inside(string root, string full)
    {
        var r = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        return full == r || full.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    static KraftException Refused(string archive, string entry, string why) =>
        new($"refusing to unpack {archive}: entry '{entry}' {why}",
            hint: "the archive is malformed or malicious; nothing was unpacked. Check the URL and its sha256");

    /// <summary>Deletes a tree, including read-only files (git makes its pack files read-only).</summary>
    public static void DeleteTree(string path)
    {
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null) { info.Delete(); return; }
        if (!info.Exists) return;
        foreach (var f in info.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
            if (f.LinkTarget is null && (f.Attributes & FileAttributes.ReadOnly) != 0) f.Attributes = FileAttributes.Normal;
        info.Delete(recursive: true);
    }
}

/// <summary>
/// What one archive may unpack to. No component's source tree comes near them (Unikraft itself is
/// about 100 MB in 10k files); they stop a small archive that expands to gigabytes (a "zip bomb").
/// </summary>
public sealed record ArchiveLimits(long MaxEntryBytes, long MaxTotalBytes, long MaxEntries, int MaxLinkTarget = 4096, long FreeSpaceReserve = 64 * Sizes.MiB)
{
    /// <summary>1 GiB per file, 4 GiB in all, 500,000 entries, link targets of at most PATH_MAX (4096) bytes.</summary>
    public static readonly ArchiveLimits Default = new(1 * Sizes.GiB, 4 * Sizes.GiB, 500_000);
}
