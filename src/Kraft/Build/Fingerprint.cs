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
    public Fingerprint AddTree(string root, IReadOnlyCollection<string> skipDirs, string? onlyNamed = null)
    {
        if (!Directory.Exists(root)) return Add("tree:" + root, "<missing>");
        var skip = skipDirs.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var entries = new FileSystemEnumerable<(string Path, long Size, long Ticks)>(root,
            (ref FileSystemEntry e) => (e.ToFullPath(), e.Length, e.LastWriteTimeUtc.UtcTicks),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            // Per-target .config files are inputs of their own target only (hashed by content there).
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory
                && (onlyNamed is null ? !e.FileName.StartsWith(".config.") : e.FileName.SequenceEqual(onlyNamed)),
            ShouldRecursePredicate = (ref FileSystemEntry e) =>
                !e.FileName.SequenceEqual(".git") && !skip.Contains(e.ToFullPath()),
        };
        var list = entries.ToList();
        // Enumeration order is the filesystem's; sort so equal trees give equal digests.
        list.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        Add("tree", root);
        foreach (var (path, size, ticks) in list)
            Add(path, $"{size}:{ticks}");
        return this;
    }

    public string Finish() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    public static string? ReadStored(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    public static void Store(string path, string digest) => Host.AtomicFile.WriteAllText(path, digest + "\n");
}
