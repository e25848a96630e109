using Kraft.Host;
using System.Formats.Tar;
using System.IO.Compression;

namespace Kraft.Packages.Fetching;

/// <summary>
/// Unpacks a tar, tar.gz or zip archive into a folder, safely and all-or-nothing: everything goes
/// into a temporary folder beside the destination, the single top-level folder that GitHub
/// archives have is stripped, and only a complete tree is renamed into place. Entries with
/// <c>..</c> or absolute paths, links that point outside the tree, writes through a link, and
/// device or fifo entries are refused, and nothing is left behind.
/// </summary>
public static class ArchiveExtractor
{
    /// <summary>
    /// Extracts <paramref name="archive"/> to <paramref name="destination"/> (replacing what is there
    /// once the new tree is complete). <paramref name="marker"/>, if given, is written as
    /// <see cref="MarkerFile"/> inside the tree before it is moved into place.
    /// </summary>
    public static void Extract(string archive, string destination, string? marker = null, string? describe = null)
    {
        describe ??= archive;
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
            try
            {
                if (kind == ArchiveKind.Zip) ExtractZip(archive, describe, tmp, links);
                else ExtractTar(archive, describe, kind == ArchiveKind.TarGz, tmp, links);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
            {
                throw new KraftException($"{describe} is damaged: {e.Message}", hint: "delete it from the cache ('kraft pkg rm NAME') and fetch again");
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
            DeleteTree(tmp);
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

    static void ExtractTar(string file, string archive, bool gzip, string root, List<(string, string)> links)
    {
        using var input = File.OpenRead(file);
        using Stream data = gzip ? new GZipStream(input, CompressionMode.Decompress) : input;
        using var reader = new TarReader(data);
        while (reader.GetNextEntry() is { } entry)
        {
            switch (entry.EntryType)
            {
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
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                        entry.DataStream?.CopyTo(output);
                    SetMode(path, entry.Mode);
                    break;
                case TarEntryType.SymbolicLink:
                    AddLink(archive, root, path, entry.Name, entry.LinkName, links);
                    break;
                case TarEntryType.HardLink:
                    // A hard link names another entry of the archive; it becomes a copy of it.
                    var source = Target(archive, root, entry.LinkName, existing: true);
                    if (!File.Exists(source) || new FileInfo(source).LinkTarget is not null)
                        throw Refused(archive, entry.Name, $"is a hard link to '{entry.LinkName}', which is not a file earlier in the archive");
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.Copy(source, path);
                    break;
                default:
                    throw Refused(archive, entry.Name, $"has an entry type kraft does not unpack ({entry.EntryType})");
            }
        }
    }

    static void ExtractZip(string file, string archive, string root, List<(string, string)> links)
    {
        using var zip = ZipFile.OpenRead(file);
        foreach (var entry in zip.Entries)
        {
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
                using var s = new StreamReader(entry.Open());
                AddLink(archive, root, path, entry.FullName, s.ReadToEnd(), links);
                continue;
            }
            if (type is not (0 or 0x8000))
                throw Refused(archive, entry.FullName, "is a device or fifo");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var input = entry.Open())
            using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                input.CopyTo(output);
            if (unixMode != 0) SetMode(path, (UnixFileMode)(unixMode & 0x1FF));
        }
    }

    static void AddLink(string archive, string root, string path, string name, string target, List<(string, string)> links)
    {
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
