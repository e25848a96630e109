using Kraft.Packages.Config;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Packages.Fetching;

/// <summary>One thing <c>kraft pkg rm</c> removed.</summary>
public sealed record RemovedItem(string What, string Path, long Bytes);

/// <summary>
/// kraft pkg rm NAME: removes what the sources cache holds for a component — its git mirrors and
/// its downloaded archives — and, when asked, the tree a project has for it
/// (WORKDIR/.unikraft/…, only if kraft put it there: a git checkout or an unpacked archive; a
/// directory the Kraftfile points at is never touched). Kraftfile.lock is left as it is: the
/// Kraftfile still asks for the component, and the next build fetches the locked sources again.
/// A cache entry belongs to the component when its URL is one the index lists for it, or when the
/// repository's name says so (lib-musl.git, …/lib-musl/archive/…, unikraft.git for the core).
/// </summary>
public static class CacheCleaner
{
    public static IReadOnlyList<RemovedItem> Remove(ComponentType? type, string name, UserConfig config, string? workdir, IReporter reporter, CancellationToken cancel)
    {
        var cache = new SourcesCache(config.SourcesDir);
        var urls = new HashSet<string>(StringComparer.Ordinal);
        var snapshot = new IndexStore(config.ManifestsDir).Load();
        if (snapshot is not null)
        {
            var index = new ComponentIndex(snapshot);
            foreach (var e in index.FindByName(name).Where(e => type is null || e.Manifest.Type == type))
            {
                if (e.Manifest.Origin is { } o) urls.Add(o);
                foreach (var ch in e.Manifest.Channels) urls.Add(ch.Resource);
                foreach (var v in e.Manifest.Versions) urls.Add(v.Resource);
            }
        }
        bool Belongs(string url)
        {
            if (urls.Contains(url)) return true;
            var repo = url;
            var archive = repo.IndexOf("/archive/", StringComparison.Ordinal);
            if (archive > 0) repo = repo[..archive];
            var last = repo.TrimEnd('/');
            last = last[(last.LastIndexOf('/') + 1)..];
            if (last.EndsWith(".git", StringComparison.Ordinal)) last = last[..^4];
            if (!ComponentName.TryParse(last, out var t, out var n, out _) || n != name) return false;
            return type is null || t is null || ComponentTypes.TryParse(t, out var parsed) && parsed == type;
        }

        var removed = new List<RemovedItem>();
        using (cache.Lock(reporter, cancel))
        {
            var git = new GitMirrorCache(cache, () => new Git(), reporter);
            foreach (var (path, url) in git.Entries(cancel).ToList())
                if (Belongs(url))
                {
                    var bytes = SourcesCache.SizeOf(path);
                    ArchiveExtractor.DeleteTree(path);
                    removed.Add(new RemovedItem($"git mirror of {url}", path, bytes));
                }
            var archives = new ArchiveCache(cache, () => throw new InvalidOperationException("no downloads while removing"), reporter);
            foreach (var (path, url) in archives.Entries().ToList())
                if (Belongs(url))
                {
                    var bytes = SourcesCache.SizeOf(path);
                    File.Delete(path);
                    File.Delete(path + ".url");
                    removed.Add(new RemovedItem($"archive {url}", path, bytes));
                }
        }

        if (workdir is not null)
        {
            var types = type is { } one ? [one] : name == "unikraft" ? new[] { ComponentType.Core } : Enum.GetValues<ComponentType>().Where(t => t != ComponentType.Core);
            foreach (var t in types)
            {
                var tree = SourceFetcher.PlacePath(Path.GetFullPath(workdir), t, name);
                var info = new DirectoryInfo(tree);
                if (!info.Exists) continue;
                if (info.LinkTarget is not null)
                {
                    info.Delete();
                    removed.Add(new RemovedItem("link in the project", tree, 0));
                    continue;
                }
                if (!GitCheckout.IsCheckout(tree) && ArchiveExtractor.ReadMarker(tree) is null)
                {
                    reporter.Warn($"{tree} was not put there by kraft; left alone");
                    continue;
                }
                var bytes = SourcesCache.SizeOf(tree);
                ArchiveExtractor.DeleteTree(tree);
                removed.Add(new RemovedItem("project tree", tree, bytes));
            }
        }
        return removed;
    }
}
