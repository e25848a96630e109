using Kraft.Host;

namespace Kraft.Packages.Fetching;

/// <summary>
/// Downloaded archives, content-addressed: <c>archives/SHA256</c> is only ever the file with that
/// digest (it is renamed into place after the download is complete and checked), and
/// <c>archives/SHA256.url</c> says where it came from. A download that is cut off, or whose digest
/// is not the expected one, leaves nothing behind.
/// </summary>
public sealed class ArchiveCache(SourcesCache cache, Func<HttpFetcher> http, IReporter reporter)
{
    public string PathFor(string sha256) => Path.Combine(cache.ArchivesDir, sha256);

    /// <summary>The cached archive with that digest, or null.</summary>
    public string? Find(string? sha256) =>
        sha256 is not null && File.Exists(PathFor(sha256)) ? PathFor(sha256) : null;

    /// <summary>
    /// The archive at <paramref name="url"/>: from the cache when <paramref name="expectedSha256"/> is
    /// known and cached, else downloaded (unless <paramref name="offline"/>) and checked against it.
    /// Returns the cached file and its digest.
    /// </summary>
    public (string Path, string Sha256) Get(string url, string? expectedSha256, bool offline, string component, CancellationToken cancel)
    {
        expectedSha256 = expectedSha256?.ToLowerInvariant();
        if (Find(expectedSha256) is { } hit) return (hit, expectedSha256!);
        if (offline)
            throw new NotCachedException(component, null, $"the archive {url} is not in the cache ({cache.ArchivesDir})");
        using var _ = cache.Lock(reporter, cancel);
        if (Find(expectedSha256) is { } raced) return (raced, expectedSha256!);
        Directory.CreateDirectory(cache.ArchivesDir);
        TempName.CleanStale(cache.ArchivesDir);
        var incoming = TempName.In(cache.ArchivesDir, "", "download");
        try
        {
            reporter.Info($"downloading {component} from {url}");
            string sha;
            try
            {
                sha = http().DownloadAsync(url, incoming, cancel).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancel.IsCancellationRequested)
            {
                throw new KraftException($"downloading {Secrets.StripUserInfo(url)} failed: {(e is HttpRequestException ? HttpFetcher.NetReason(e) : IoErrors.Describe(e))}",
                    hint: "the download was cut off and nothing was kept; try again (KRAFT_HTTP_TIMEOUT sets the time-out)", inner: e);
            }
            if (expectedSha256 is not null && sha != expectedSha256)
                throw new KraftException($"the archive of {component} does not have the expected sha256: expected {expectedSha256}, downloaded {sha} ({url}); the file was deleted",
                    hint: "the file on the server changed or was tampered with; if the change is expected, re-resolve it with 'kraft pkg update --component' (or fix the manifest's sha256)");
            var final = PathFor(sha);
            if (!File.Exists(final)) File.Move(incoming, final);
            AtomicFile.WriteAllText(final + ".url", url + "\n");
            return (final, sha);
        }
        finally
        {
            AtomicFile.TryDelete(incoming);
        }
    }

    /// <summary>
    /// Copies a local file (a mirror folder's archive) into the cache under its digest, unless it is
    /// there already; returns the cached file and its digest.
    /// </summary>
    public (string Path, string Sha256) Import(string file, string origin, CancellationToken cancel)
    {
        string sha;
        using (var stream = File.OpenRead(file))
            sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        if (Find(sha) is { } hit) return (hit, sha);
        using var _ = cache.Lock(reporter, cancel);
        Directory.CreateDirectory(cache.ArchivesDir);
        var final = PathFor(sha);
        if (!File.Exists(final))
        {
            var tmp = AtomicFile.TempPathBeside(final);
            try
            {
                File.Copy(file, tmp, overwrite: true);
                AtomicFile.Replace(tmp, final);
            }
            finally { AtomicFile.TryDelete(tmp); }
        }
        AtomicFile.WriteAllText(final + ".url", origin + "\n");
        return (final, sha);
    }

    /// <summary>Every cached archive and the URL it came from.</summary>
    public IEnumerable<(string Path, string Url)> Entries()
    {
        if (!Directory.Exists(cache.ArchivesDir)) yield break;
        foreach (var f in Directory.EnumerateFiles(cache.ArchivesDir, "*.url"))
        {
            var archive = f[..^4];
            string url;
            try { url = File.ReadAllText(f).Trim(); } catch (IOException) { continue; }
            yield return (archive, url);
        }
    }
}
