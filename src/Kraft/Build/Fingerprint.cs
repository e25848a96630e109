using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;

namespace Kraft.Build;

/// <summary>
/// A digest of a build's inputs, so that an unchanged project is not handed to make at all
/// (Unikraft's own no-op make takes seconds), while any real change still rebuilds. Source trees
/// are summarised by path, size and modification time of every file, which is what make itself
/// trusts; file contents are hashed only for the small inputs (Kraftfile, .config, fragment).
/// </summary>
public sealed class Fingerprint
{
    readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public Fingerprint Add(string label, string value)
    {
        _hash.AppendData(Encoding.UTF8.GetBytes(label));
        _hash.AppendData([0]);
        _hash.AppendData(Encoding.UTF8.GetBytes(value));
        _hash.AppendData([0]);
        return this;
    }

    public Fingerprint AddFileContent(string path) =>
        Add("file:" + path, File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : "<missing>");

    /// <summary>
    /// Adds every file under <paramref name="root"/> (path, size, mtime), skipping .git and the
    /// folders in <paramref name="skipDirs"/>. With <paramref name="onlyNamed"/>, only files of
    /// that name count (Config.uk for the configuration fingerprint).
    /// </summary>
    public Fingerprint AddTree(string root, IReadOnlyCollection<string> skipDirs, string? onlyNamed = null) =>
        AddTree(TreeListing.Scan(root, skipDirs), onlyNamed);

    /// <summary>Adds an already scanned tree, so one walk can serve several fingerprints.</summary>
    public Fingerprint AddTree(TreeListing tree, string? onlyNamed = null)
    {
        if (tree.Files is null) return Add("tree:" + tree.Root, "<missing>");
        Add("tree", tree.Root);
        foreach (var (path, size, ticks) in tree.Files)
            if (onlyNamed is null || Path.GetFileName(path.AsSpan()).SequenceEqual(onlyNamed))
                Add(path, $"{size}:{ticks}");
        return this;
    }

    public string Finish() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    public static string? ReadStored(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    public static void Store(string path, string digest) => Host.AtomicFile.WriteAllText(path, digest + "\n");
}

/// <summary>
/// The files of one source tree (path, size, mtime), sorted, without .git, the skipped folders
/// and per-target .config files (each is an input of its own target only, hashed by content there).
/// <see cref="Files"/> is null when the tree does not exist.
/// </summary>
public sealed record TreeListing(string Root, IReadOnlyList<(string Path, long Size, long Ticks)>? Files)
{
    public static TreeListing Scan(string root, IReadOnlyCollection<string> skipDirs)
    {
        if (!Directory.Exists(root)) return new TreeListing(root, null);
        var skip = skipDirs.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var entries = new FileSystemEnumerable<(string Path, long Size, long Ticks)>(root,
            (ref FileSystemEntry e) => (e.ToFullPath(), e.Length, e.LastWriteTimeUtc.UtcTicks),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory && !e.FileName.StartsWith(".config."),
            ShouldRecursePredicate = (ref FileSystemEntry e) =>
                !e.FileName.SequenceEqual(".git") && !skip.Contains(e.ToFullPath()),
        };
        var list = entries.ToList();
        // Enumeration order is the filesystem's; sort so equal trees give equal digests.
        list.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new TreeListing(root, list);
    }
}
