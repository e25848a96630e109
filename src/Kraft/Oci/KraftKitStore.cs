namespace Kraft.Oci;

/// <summary>
/// KraftKit's directory store, read-only (formats.md §4.6): every blob at
/// <c>digests/sha256/&lt;hex&gt;</c>, and one symlink per image at
/// <c>indexes/&lt;ref with every ':' turned into '/'&gt;</c> pointing at its index blob. The
/// last path element is the tag; a registry with a port (localhost/5000/...) is put back
/// together here, which KraftKit's own listing gets wrong.
/// </summary>
public sealed class KraftKitStore : IBlobSource
{
    public string Root { get; }
    KraftKitStore(string root) => Root = root;

    /// <summary>$KRAFTKIT_RUNTIME_DIR/oci, else $XDG_DATA_HOME/kraftkit/runtime/oci, else ~/.local/share/kraftkit/runtime/oci.</summary>
    public static string DefaultRoot(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        if (env("KRAFTKIT_RUNTIME_DIR") is { Length: > 0 } r) return Path.Combine(r, "oci");
        var data = env("XDG_DATA_HOME") is { Length: > 0 } x ? x
            : Path.Combine(env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(data, "kraftkit", "runtime", "oci");
    }

    public static KraftKitStore? OpenExisting(string? root = null)
    {
        var full = Path.GetFullPath(root ?? DefaultRoot());
        return Directory.Exists(Path.Combine(full, "indexes")) ? new KraftKitStore(full) : null;
    }

    public string BlobPath(Digest d) => Path.Combine(Root, "digests", "sha256", d.Hex);
    public bool HasBlob(Digest d) => File.Exists(BlobPath(d));

    public byte[] ReadJsonBlob(Digest d, string what)
    {
        var path = BlobPath(d);
        var info = new FileInfo(path);
        if (!info.Exists) throw new KraftException($"{what} {d} is missing from KraftKit's store ({path})", hint: "pull the image again with kraft pkg pull");
        if (info.Length > OciStore.MaxJsonSize) throw new KraftException($"{what} {d} in KraftKit's store is larger than {OciStore.MaxJsonSize >> 20} MiB");
        var bytes = File.ReadAllBytes(path);
        if (Digest.Of(bytes) != d) throw new KraftException($"KraftKit's blob {d} ({what}) is damaged: its content has another digest ({path})", hint: "remove it with KraftKit's kraft pkg rm");
        return bytes;
    }

    /// <summary>Every image KraftKit has; an entry that cannot be read is reported through <paramref name="bad"/> and skipped.</summary>
    public IReadOnlyList<StoreEntry> List(Action<string>? bad = null)
    {
        var result = new List<StoreEntry>();
        var indexes = Path.Combine(Root, "indexes");
        foreach (var path in Directory.EnumerateFiles(indexes, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 16, AttributesToSkip = 0 }))
        {
            var parts = Path.GetRelativePath(indexes, path).Split(Path.DirectorySeparatorChar);
            if (parts.Length < 2) { bad?.Invoke($"{path}: not an image reference (no tag)"); continue; }
            var repo = parts[..^1].ToList();
            if (repo.Count > 2 && ushort.TryParse(repo[1], out _) && (repo[0].Contains('.') || repo[0] == "localhost" || ImageRef.IsLoopbackHost(repo[0])))
            {
                repo[0] = repo[0] + ":" + repo[1];
                repo.RemoveAt(1);
            }
            var text = string.Join('/', repo) + ":" + parts[^1];
            if (!ImageRef.TryParse(text, out var r, out var why)) { bad?.Invoke($"{path}: {Names.Quote(text)} is not an image reference ({why})"); continue; }
            try
            {
                var info = new FileInfo(path);
                var target = info.LinkTarget is { } link ? Path.GetFileName(link) : null;
                var bytes = File.ReadAllBytes(path);
                if (bytes.Length > OciStore.MaxJsonSize) { bad?.Invoke($"{path}: larger than {OciStore.MaxJsonSize >> 20} MiB"); continue; }
                var digest = Digest.Of(bytes);
                if (target is not null && target != digest.Hex) { bad?.Invoke($"{path}: the index it links to is damaged (digest {digest}, named {target})"); continue; }
                var type = OciJson.SniffMediaType(bytes, path) ?? MediaTypes.Index;
                result.Add(new StoreEntry(r!, new Descriptor { MediaType = type, DigestText = digest.ToString(), Size = bytes.Length }));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or KraftException)
            {
                bad?.Invoke($"{path}: {e.Message}");
            }
        }
        return result;
    }
}
