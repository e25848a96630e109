using System.Security.Cryptography;
using Kraft.Host;

namespace Kraft.Oci;

/// <summary>One image in the store's index.json: its reference and the descriptor of its index (or manifest).</summary>
public sealed record StoreEntry(ImageRef Reference, Descriptor Descriptor);

/// <summary>
/// kraft's local image store: an OCI image layout (oci-layout, index.json, blobs/sha256/) that
/// skopeo, umoci and any OCI tool can read. Blobs are content addressed and verified when
/// written (through a temporary file renamed into place, so a reader never sees half a blob);
/// index.json changes under a file lock and is replaced atomically, so concurrent kraft processes
/// never lose each other's entries. Each image's entry carries its full reference in
/// org.opencontainers.image.ref.name. Interrupted downloads are kept under ingest/ by digest so
/// the next pull continues them.
/// </summary>
public sealed class OciStore : IBlobSource
{
    /// <summary>Manifests, indexes and configs larger than this are refused (a unikernel's are a few KiB).</summary>
    public const int MaxJsonSize = 4 << 20;

    public string Root { get; }
    string BlobDir => Path.Combine(Root, "blobs", "sha256");
    public string IngestDir => Path.Combine(Root, "ingest");
    string IndexPath => Path.Combine(Root, "index.json");
    string LockPath => Path.Combine(Root, "index.json.lock");

    OciStore(string root) => Root = root;

    /// <summary>$KRAFT_OCI_DIR, else $XDG_DATA_HOME/kraft/oci, else ~/.local/share/kraft/oci.</summary>
    public static string DefaultRoot(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        if (env("KRAFT_OCI_DIR") is { Length: > 0 } dir) return Path.GetFullPath(dir);
        var data = env("XDG_DATA_HOME") is { Length: > 0 } x ? x
            : Path.Combine(env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(data, "kraft", "oci");
    }

    /// <summary>Opens the store, creating the layout's files when they are missing.</summary>
    public static OciStore Open(string? root = null)
    {
        var store = new OciStore(Path.GetFullPath(root ?? DefaultRoot()));
        Directory.CreateDirectory(store.BlobDir);
        var layout = Path.Combine(store.Root, "oci-layout");
        if (!File.Exists(layout)) AtomicFile.WriteAllBytes(layout, OciJson.Canonical(new OciLayoutFile()));
        if (!File.Exists(store.IndexPath))
            using (store.Lock())
                if (!File.Exists(store.IndexPath))
                    AtomicFile.WriteAllBytes(store.IndexPath, OciJson.Canonical(new ImageIndex { MediaType = MediaTypes.Index }));
        return store;
    }

    /// <summary>Opens an existing store for reading only; null when there is none (nothing is created).</summary>
    public static OciStore? OpenExisting(string? root = null)
    {
        var store = new OciStore(Path.GetFullPath(root ?? DefaultRoot()));
        return File.Exists(store.IndexPath) ? store : null;
    }

    public string BlobPath(Digest d) => Path.Combine(BlobDir, d.Hex);
    public bool HasBlob(Digest d) => File.Exists(BlobPath(d));
    public bool HasBlob(Descriptor d) => new FileInfo(BlobPath(d.Digest)) is { Exists: true } f && f.Length == d.Size;

    /// <summary>Reads a small JSON blob whole, checking its size and its digest (so a damaged entry is named, not misread).</summary>
    public byte[] ReadJsonBlob(Digest d, string what)
    {
        var path = BlobPath(d);
        var info = new FileInfo(path);
        if (!info.Exists) throw new KraftException($"{what} {d} is missing from the store ({path})", hint: "pull the image again (kraft pkg pull REF)");
        if (info.Length > MaxJsonSize) throw new KraftException($"{what} {d} is {info.Length} bytes, more than the {MaxJsonSize >> 20} MiB allowed for JSON", hint: "remove it with kraft pkg rm");
        var bytes = File.ReadAllBytes(path);
        if (Digest.Of(bytes) != d)
            throw new KraftException($"the store's blob {d} ({what}) is damaged: its content has another digest ({path})",
                hint: "remove the image with kraft pkg rm REF and pull or package it again");
        return bytes;
    }

    /// <summary>Stores bytes as a blob (nothing is written when it is already there) and returns its descriptor.</summary>
    public Descriptor WriteBlob(ReadOnlySpan<byte> content, string mediaType, Dictionary<string, string>? annotations = null, OciPlatform? platform = null)
    {
        var d = Digest.Of(content);
        var path = BlobPath(d);
        if (!File.Exists(path)) AtomicFile.WriteAllBytes(path, content);
        return new Descriptor { MediaType = mediaType, DigestText = d.ToString(), Size = content.Length, Annotations = annotations, Platform = platform };
    }

    /// <summary>
    /// Moves a fully written temporary file into the blob store after hashing it; when
    /// <paramref name="expected"/> is given, a file with another digest or size is deleted and refused.
    /// </summary>
    public (Digest Digest, long Size) IngestFile(string tempFile, Digest? expected = null, long? expectedSize = null, string? what = null)
    {
        Digest actual;
        long size;
        using (var f = new FileStream(tempFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            size = f.Length;
            actual = Digest.FromHash(SHA256.HashData(f));
        }
        if (expected is { } e && (actual != e || expectedSize is { } s && s != size))
        {
            AtomicFile.TryDelete(tempFile);
            throw new KraftException($"{what ?? "blob"} {e} does not match its digest: received {size} bytes with digest {actual}",
                hint: "nothing was stored; the source served damaged content, try again");
        }
        var path = BlobPath(actual);
        if (File.Exists(path)) AtomicFile.TryDelete(tempFile);
        else AtomicFile.Replace(tempFile, path);
        return (actual, size);
    }

    /// <summary>A temporary file inside the blob folder (same filesystem, so a rename moves it into place).</summary>
    public string NewTempBlobPath() => Path.Combine(BlobDir, $".tmp.{Environment.ProcessId}.{Guid.NewGuid():N}");

    /// <summary>Where an interrupted download of <paramref name="d"/> is kept so the next pull continues it.</summary>
    public string PartialPath(Digest d)
    {
        Directory.CreateDirectory(IngestDir);
        return Path.Combine(IngestDir, "sha256-" + d.Hex + ".partial");
    }

    FileLock Lock() => FileLock.Acquire(LockPath, "the image store", NullReporter.Instance, CancellationToken.None);

    ImageIndex ReadIndexFile()
    {
        var info = new FileInfo(IndexPath);
        if (!info.Exists) return new ImageIndex();
        if (info.Length > MaxJsonSize) throw new KraftException($"{IndexPath} is larger than {MaxJsonSize >> 20} MiB", hint: "it is damaged; move it away and package or pull the images again");
        return OciJson.ReadIndex(File.ReadAllBytes(IndexPath), IndexPath);
    }

    /// <summary>Every image of index.json that has a reference; entries with a malformed one are reported through <paramref name="bad"/> and skipped.</summary>
    public IReadOnlyList<StoreEntry> List(Action<string>? bad = null)
    {
        var result = new List<StoreEntry>();
        foreach (var m in ReadIndexFile().Manifests)
        {
            var name = m.Annotation(Annotations.RefName);
            ImageRef? r = null;
            var why = "";
            if (name is null || !ImageRef.TryParse(name, out r, out why) || !Digest.TryParse(m.DigestText, out _))
            {
                bad?.Invoke($"{IndexPath}: an entry with reference {Names.Quote(name)} and digest {Names.Quote(m.DigestText)} is not valid ({(name is null ? "no org.opencontainers.image.ref.name" : why)}); skipped");
                continue;
            }
            result.Add(new StoreEntry(r!, m));
        }
        return result;
    }

    public StoreEntry? Find(ImageRef r)
    {
        var text = r.ToString();
        return List().FirstOrDefault(e => e.Reference.ToString() == text)
            ?? (r.Digest is { } d ? List().FirstOrDefault(e => e.Reference.Name == r.Name && e.Descriptor.DigestText == d.ToString()) : null);
    }

    /// <summary>Points <paramref name="r"/> at <paramref name="d"/> (replacing any earlier entry of that reference).</summary>
    public void SetReference(ImageRef r, Descriptor d)
    {
        var text = r.ToString();
        var annotations = new Dictionary<string, string>(d.Annotations ?? []) { [Annotations.RefName] = text };
        var entry = new Descriptor { MediaType = d.MediaType, DigestText = d.DigestText, Size = d.Size, Annotations = annotations };
        using (Lock())
        {
            var index = ReadIndexFile();
            var manifests = index.Manifests.Where(m => m.Annotation(Annotations.RefName) != text).Append(entry)
                .OrderBy(m => m.Annotation(Annotations.RefName) ?? "", StringComparer.Ordinal).ToList();
            AtomicFile.WriteAllBytes(IndexPath, OciJson.Canonical(index with { MediaType = MediaTypes.Index, Manifests = manifests }));
        }
    }

    /// <summary>Removes a reference from index.json (its blobs stay until kraft pkg prune); false when it was not there.</summary>
    public bool RemoveReference(ImageRef r)
    {
        var text = r.ToString();
        using (Lock())
        {
            var index = ReadIndexFile();
            var kept = index.Manifests.Where(m => m.Annotation(Annotations.RefName) != text).ToList();
            if (kept.Count == index.Manifests.Count) return false;
            AtomicFile.WriteAllBytes(IndexPath, OciJson.Canonical(index with { Manifests = kept }));
            return true;
        }
    }

    /// <summary>Every blob an image reaches (index, manifests present in the store, configs, layers).</summary>
    public void Reachable(Descriptor root, HashSet<string> into)
    {
        if (!into.Add(root.DigestText) || !Digest.TryParse(root.DigestText, out var d) || !HasBlob(d)) return;
        if (MediaTypes.IsIndex(root.MediaType))
        {
            var index = OciJson.ReadIndex(ReadJsonBlob(d, "image index"), $"image index {d}");
            foreach (var m in index.Manifests) Reachable(m, into);
        }
        else if (MediaTypes.IsManifest(root.MediaType))
        {
            var manifest = OciJson.ReadManifest(ReadJsonBlob(d, "manifest"), $"manifest {d}");
            into.Add(manifest.Config.DigestText);
            foreach (var l in manifest.Layers) into.Add(l.DigestText);
        }
    }

    public sealed record PruneResult(int Removed, long Bytes, int Kept);

    /// <summary>
    /// Deletes the blobs no image reaches, and partial downloads. A blob younger than
    /// <paramref name="grace"/> is kept: a concurrent kraft may have written it and not yet
    /// referenced it in index.json.
    /// </summary>
    public PruneResult Prune(TimeSpan grace)
    {
        using (Lock())
        {
            var reachable = new HashSet<string>(StringComparer.Ordinal);
            foreach (var m in ReadIndexFile().Manifests)
            {
                try { Reachable(m, reachable); }
                catch (KraftException) { reachable.Add(m.DigestText); }
            }
            var cutoff = DateTime.UtcNow - grace;
            int removed = 0, kept = 0;
            long bytes = 0;
            foreach (var f in new DirectoryInfo(BlobDir).EnumerateFiles())
            {
                var named = f.Name.StartsWith(".tmp.", StringComparison.Ordinal) ? null : Digest.Prefix + f.Name;
                if (named is not null && reachable.Contains(named) || f.LastWriteTimeUtc > cutoff) { kept++; continue; }
                bytes += f.Length;
                f.Delete();
                removed++;
            }
            if (Directory.Exists(IngestDir))
                foreach (var f in new DirectoryInfo(IngestDir).EnumerateFiles().Where(f => f.LastWriteTimeUtc <= cutoff))
                {
                    bytes += f.Length;
                    f.Delete();
                    removed++;
                }
            return new PruneResult(removed, bytes, kept);
        }
    }
}
