using Kraft.Host;
using Kraft.Packages.Config;
using Kraft.Packages.Fetching;
using Kraft.Packages.Locking;

namespace Kraft.Packages.Origins;

/// <summary>Where an origin would come from, as far as kraft can tell without the network.</summary>
public enum OriginState
{
    /// <summary>Already at make's path with the locked digest.</summary>
    Placed,
    /// <summary>In kraft's archive cache (by the digest the lock or the library gives).</summary>
    Cached,
    /// <summary>In a mirror folder.</summary>
    Mirror,
    /// <summary>To be downloaded (URL mirrors first, unless prioritize_origin).</summary>
    Upstream,
}

public sealed record OriginStatus(LibraryOrigin Origin, OriginState State, string? Sha256, string? From);

/// <summary>What fetching library origins may do.</summary>
public sealed record OriginOptions(UserConfig Config, bool Offline, bool Locked);

/// <summary>
/// Takes over Unikraft's downloads: each archive a library's Makefile.uk fetches comes through
/// kraft's content-addressed cache (from the mirrors in the user's configuration, in order, then
/// the library's URLs; the other way round with prioritize_origin), is checked against the sha256
/// in Kraftfile.lock and the one the library declares, and is put where Unikraft's fetch rule
/// looks first (<c>$(O)/&lt;lib&gt;/&lt;file&gt;</c>), so make never starts wget. Every digest is recorded in
/// Kraftfile.lock.
/// </summary>
public sealed class OriginFetcher(OriginOptions options, IReporter reporter) : IDisposable
{
    readonly SourcesCache _cache = new(options.Config.SourcesDir);
    HttpFetcher? _http;
    ArchiveCache? _archives;

    ArchiveCache Archives => _archives ??= new ArchiveCache(_cache, () => _http ??= options.Config.CreateHttpFetcher(), reporter);

    public void Dispose() => _http?.Dispose();

    static bool IsUrl(string mirror) =>
        mirror.StartsWith("http://", StringComparison.Ordinal) || mirror.StartsWith("https://", StringComparison.Ordinal);

    static string MirrorDir(string mirror)
    {
        var dir = mirror.StartsWith("file://", StringComparison.Ordinal) ? mirror["file://".Length..] : mirror;
        if (dir == "~" || dir.StartsWith("~/", StringComparison.Ordinal))
            dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), dir.TrimStart('~').TrimStart('/'));
        return Path.GetFullPath(dir);
    }

    /// <summary>The places tried for an origin, in order: (label, local file or URL, is a URL).</summary>
    IEnumerable<(string Label, string Where, bool Http)> Candidates(LibraryOrigin o)
    {
        var mirrors = options.Config.Mirrors.Select(m => IsUrl(m)
            ? ($"mirror {m}", m.TrimEnd('/') + "/" + Uri.EscapeDataString(o.File), true)
            : ($"mirror {MirrorDir(m)}", Path.Combine(MirrorDir(m), o.File), false)).ToList();
        var upstream = o.Urls.Select(u => (u, u, true)).ToList();
        return options.Config.PrioritizeOrigin ? upstream.Concat(mirrors) : mirrors.Concat(upstream);
    }

    /// <summary>The digest an origin must have: the lock's (for the same URL), else the library's own.</summary>
    static string? Expected(LibraryOrigin o, LockedOrigin? locked)
    {
        var lockSha = locked is not null && locked.Url == o.Url ? locked.Sha256 : null;
        if (lockSha is not null && o.DeclaredSha256 is { } declared && declared != lockSha)
            throw new KraftException(
                $"{o.Library}: {o.File} is locked with sha256 {lockSha}, but the library now declares {declared} ({o.Url})",
                hint: "the library changed its archive; if that is expected, delete the origin's entry from Kraftfile.lock and build again");
        return lockSha ?? o.DeclaredSha256;
    }

    /// <summary>For --dry-run: where each origin would come from, using no network.</summary>
    public IReadOnlyList<OriginStatus> Survey(OriginList list, LockFile? lockFile)
    {
        var result = new List<OriginStatus>();
        foreach (var o in list.Origins)
        {
            var locked = lockFile?.FindOrigin(o.Library, o.File);
            var expected = locked is not null && locked.Url == o.Url ? locked.Sha256 : o.DeclaredSha256;
            if (expected is not null && File.Exists(o.Destination) && Sha256Of(o.Destination) == expected)
                result.Add(new OriginStatus(o, OriginState.Placed, expected, o.Destination));
            else if (Archives.Find(expected) is { } hit)
                result.Add(new OriginStatus(o, OriginState.Cached, expected, hit));
            else if (Candidates(o).FirstOrDefault(c => !c.Http && File.Exists(c.Where)) is { Where: not null } m)
                result.Add(new OriginStatus(o, OriginState.Mirror, expected, m.Where));
            else
                result.Add(new OriginStatus(o, OriginState.Upstream, expected,
                    string.Join(", ", Candidates(o).Where(c => c.Http).Select(c => c.Where))));
        }
        return result;
    }

    /// <summary>
    /// Fetches and places every origin, then records their digests in the lock at
    /// <paramref name="lockPath"/> (only when something changed). Offline, only the cache and
    /// mirror folders are used; locked, every origin must already be in the lock.
    /// </summary>
    public IReadOnlyList<OriginStatus> Fetch(OriginList list, string lockPath, CancellationToken cancel)
    {
        foreach (var u in list.Unreadable)
            reporter.Warn($"{u.Library}: kraft does not fetch its sources: {u.Reason}");
        if (list.Origins.Count == 0) return [];
        var lockFile = LockFile.Load(lockPath);
        if (options.Locked)
        {
            var problems = list.Origins.Select(o => (o, l: lockFile?.FindOrigin(o.Library, o.File)))
                .Where(x => x.l is null || x.l.Url != x.o.Url)
                .Select(x => x.l is null ? $"{x.o.Library}: {x.o.File} ({x.o.Url}) is not in Kraftfile.lock"
                    : $"{x.o.Library}: {x.o.File} is locked from {x.l.Url} but the library now fetches {x.o.Url}")
                .ToList();
            if (problems.Count > 0)
                throw new KraftException("--locked: the libraries' downloads would change Kraftfile.lock:\n  " + string.Join("\n  ", problems),
                    new SourceLocation(lockPath), "build once without --locked to record them (then commit Kraftfile.lock)");
        }
        var done = new List<OriginStatus>();
        foreach (var o in list.Origins)
            done.Add(FetchOne(o, lockFile?.FindOrigin(o.Library, o.File), cancel));

        var merged = (lockFile?.Origins ?? []).Where(l => !done.Any(d => d.Origin.Library == l.Library && d.Origin.File == l.File))
            .Concat(done.Select(d => new LockedOrigin(d.Origin.Library, d.Origin.File, d.Origin.Url, d.Sha256!))).ToList();
        var text = LockFile.Format(lockPath, lockFile?.Entries ?? [], merged);
        var old = File.Exists(lockPath) ? File.ReadAllText(lockPath) : null;
        if (text != old)
        {
            foreach (var d in done.Where(d => lockFile?.FindOrigin(d.Origin.Library, d.Origin.File)?.Sha256 != d.Sha256))
                reporter.Info($"Kraftfile.lock: origin {d.Origin.Library}/{d.Origin.File}: sha256 {d.Sha256}");
            AtomicFile.WriteAllText(lockPath, text);
        }
        return done;
    }

    OriginStatus FetchOne(LibraryOrigin o, LockedOrigin? locked, CancellationToken cancel)
    {
        var expected = Expected(o, locked);
        string file, sha, from;
        OriginState state;
        if (expected is not null && File.Exists(o.Destination) && Sha256Of(o.Destination) == expected)
            return new OriginStatus(o, OriginState.Placed, expected, o.Destination);
        if (Archives.Find(expected) is { } hit)
            (file, sha, from, state) = (hit, expected!, hit, OriginState.Cached);
        else
        {
            var tried = new List<string>();
            (string, string, string)? got = null;
            foreach (var (label, where, http) in Candidates(o))
            {
                cancel.ThrowIfCancellationRequested();
                if (!http)
                {
                    if (!File.Exists(where)) { tried.Add($"{where}: not there"); continue; }
                    var (p, s) = Archives.Import(where, where, cancel);
                    got = (p, s, where);
                }
                else if (options.Offline)
                {
                    tried.Add($"{where}: not tried (offline)");
                    continue;
                }
                else
                {
                    try
                    {
                        var (p, s) = Archives.Get(where, null, false, $"{o.Library} ({o.File})", cancel);
                        got = (p, s, where);
                    }
                    catch (KraftException e) when (!cancel.IsCancellationRequested)
                    {
                        tried.Add($"{where}: {e.Message}");
                        continue;
                    }
                }
                break;
            }
            if (got is not { } g)
                throw new KraftException(
                    $"{o.Library}: could not fetch {o.File} ({o.Url})\n  tried:\n    " + string.Join("\n    ", tried),
                    hint: options.Offline
                        ? "offline, only kraft's cache and mirror folders are used: put the file in a mirror folder (unikraft.mirrors in config.yaml, [fetch] mirrors in .kraftrc) or build once online"
                        : $"check the URL, or put {o.File} in a mirror folder or URL prefix (unikraft.mirrors in config.yaml, [fetch] mirrors in .kraftrc)");
            (file, sha, from) = g;
            state = from == o.Url || o.Urls.Contains(from) ? OriginState.Upstream : OriginState.Mirror;
            if (expected is not null && sha != expected)
                throw new KraftException(
                    $"{o.Library}: {o.File} from {from} has sha256 {sha}, but {(locked?.Sha256 == expected ? "Kraftfile.lock records" : "the library declares")} {expected}",
                    hint: locked?.Sha256 == expected
                        ? "the file changed since it was locked (or the mirror holds another one); if the change is expected, delete its entry from Kraftfile.lock's origins and build again"
                        : "the archive is not the one the library was written for; fix the mirror's file or the URL");
        }
        Place(file, sha, o.Destination);
        return new OriginStatus(o, state, sha, from);
    }

    /// <summary>Copies the archive to make's path unless the same file is there (a newer copy would make make unpack it again).</summary>
    static void Place(string cached, string sha, string dest)
    {
        if (File.Exists(dest) && Sha256Of(dest) == sha) return;
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        var tmp = AtomicFile.TempPathBeside(dest);
        try
        {
            File.Copy(cached, tmp, overwrite: true);
            AtomicFile.Replace(tmp, dest);
        }
        finally { AtomicFile.TryDelete(tmp); }
    }

    static string Sha256Of(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(s));
    }
}
