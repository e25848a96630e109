using System.Text.RegularExpressions;
using Kraft.Packages.Config;
using Kraft.Packages.Fetching;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Project;

namespace Kraft.Packages.Resolution;

/// <summary>May resolution use the network, or only what is cached (offline, dry runs)?</summary>
public enum ResolveMode { Network, CacheOnly }

/// <summary>
/// Turns what a Kraftfile asks for a component into an exact source (<see cref="ResolvedSource"/>).
/// <list type="bullet">
/// <item>A <c>source:</c> that is a directory is used in place; an archive URL is an archive; anything
/// else is a git repository whose version (tag, branch, release number, commit) becomes a commit.</item>
/// <item>Without a <c>source:</c>, the component is looked up in the component index (the snapshot
/// <c>kraft pkg update</c> stored): no version means the default channel; otherwise a channel name,
/// a versions[].version, a versions[].unikraft, a release number with or without v/RELEASE-, or any
/// commit of a git origin (checked to exist, not only the hashes the manifest lists).</item>
/// <item>Git is preferred whenever the manifest's resource or origin is a git repository, so that
/// the lock records a commit; archives are used only for archive resources.</item>
/// </list>
/// Backwards compatibility: before the index existed, components without a source came from
/// Unikraft's repositories, or from KRAFT_GIT_ORIGIN_BASE (a mirror or a folder of bare
/// repositories). When KRAFT_GIT_ORIGIN_BASE is set and the index has no such component (or there
/// is no index at all, in which case it is not updated automatically), that rule still applies.
/// </summary>
public sealed partial class ComponentResolver(UserConfig config, GitMirrorCache mirrors, IReporter reporter)
{
    ComponentIndex? _index;
    bool _indexLoaded, _indexUpdated;

    /// <summary>Set when KRAFT_GIT_ORIGIN_BASE points components without a source at a mirror (see the class comment).</summary>
    static bool OriginBaseSet => Environment.GetEnvironmentVariable(DefaultOrigins.BaseVariable) is { Length: > 0 };

    public ResolvedSource Resolve(Component c, ResolveMode mode, bool refresh = false, CancellationToken cancel = default) =>
        Resolve(ComponentTypes.From(c.Kind), c.Name, c.Source, c.Version, c.Location, mode, refresh, cancel);

    /// <param name="refresh">Ignore what the mirrors already know about tags (kraft pkg update --component).</param>
    public ResolvedSource Resolve(ComponentType type, string name, string? source, string? version, SourceLocation? location,
        ResolveMode mode, bool refresh = false, CancellationToken cancel = default)
    {
        var label = Label(type, name);
        if (source is not null)
        {
            switch (SourceClassifier.Classify(source))
            {
                case SourceKind.LocalDirectory:
                    if (!Directory.Exists(source))
                        throw new KraftException($"the source of {label} does not exist: {source}", location,
                            "fix the path (relative paths are taken from the Kraftfile's directory) or use a git URL");
                    return new ResolvedSource { Kind = SourceKind.LocalDirectory, Location = Path.GetFullPath(source) };
                case SourceKind.Archive:
                    return new ResolvedSource { Kind = SourceKind.Archive, Location = source, Ref = version };
                default:
                    return ResolveGit(label, source, version, null, version, null, null, location, mode, refresh, cancel);
            }
        }

        var index = Index(mode, cancel);
        var entry = index?.Find(type, name);
        if (entry is null)
        {
            if (OriginBaseSet && type is ComponentType.Core or ComponentType.Lib or ComponentType.App)
            {
                var url = DefaultOrigins.For(type, name);
                return ResolveGit(label, url, version, null, version, null, null, location, mode, refresh, cancel);
            }
            if (index is null)
                throw mode == ResolveMode.CacheOnly
                    ? new NotCachedException(label, version, $"the component index was never updated on this machine ({config.ManifestsDir})", location)
                    : new KraftException($"{label} has no source and the component index is empty ({config.ManifestsDir})", location,
                        "run 'kraft pkg update' (and check its errors), add a source with 'kraft pkg source URL', or give the component a 'source:'");
            throw NotFound(type, name, index, location);
        }
        return ResolveManifest(label, entry, version, location, mode, refresh, cancel);
    }

    /// <summary>The index snapshot, loaded once; updated once (with a notice) when this machine never had one.</summary>
    public ComponentIndex? Index(ResolveMode mode, CancellationToken cancel)
    {
        if (!_indexLoaded)
        {
            _index = new IndexStore(config.ManifestsDir).Load() is { } snap ? new ComponentIndex(snap) : null;
            _indexLoaded = true;
        }
        if (_index is null && mode == ResolveMode.Network && !_indexUpdated && !config.Offline && !OriginBaseSet)
        {
            _indexUpdated = true;
            reporter.Info("the component index was never updated on this machine: running 'kraft pkg update' once");
            try
            {
                var report = new IndexUpdater(config, reporter).UpdateAsync(cancel).GetAwaiter().GetResult();
                foreach (var o in report.Outcomes.Where(o => o.Error is not null))
                    reporter.Warn($"index source {o.Location}: {o.Error}");
            }
            catch (KraftException e)
            {
                reporter.Warn($"updating the component index failed: {e.Message}");
            }
            _index = new IndexStore(config.ManifestsDir).Load() is { } snap ? new ComponentIndex(snap) : null;
        }
        return _index;
    }

    ResolvedSource ResolveManifest(string label, IndexEntry entry, string? version, SourceLocation? location, ResolveMode mode, bool refresh, CancellationToken cancel)
    {
        // A hand-made or older cache may leave the lists out.
        var m = entry.Manifest with { Channels = entry.Manifest.Channels ?? [], Versions = entry.Manifest.Versions ?? [] };
        ManifestChannel? channel = null;
        ManifestVersion? ver = null;
        if (version is null)
        {
            channel = m.DefaultChannel ?? throw new KraftException($"{label} has no default channel in the index, so it needs a version", location,
                $"give one of: {Choices(m)}");
        }
        else
        {
            ver = m.Versions.FirstOrDefault(v => v.Version == version || v.Unikraft == version);
            channel = ver is null ? m.Channels.FirstOrDefault(ch => ch.Name == version) : null;
            if (ver is null && channel is null && VersionText.Release(version) is { } release)
                ver = m.Versions.FirstOrDefault(v => VersionText.Release(v.Version) == release || VersionText.Release(v.Unikraft) == release);
        }

        var resource = channel?.Resource ?? ver?.Resource;
        var gitUrl = resource is not null && SourceClassifier.IsGitRepository(resource, m.Provider) ? resource
            : SourceClassifier.IsGitRepository(m.Origin, m.Provider) ? m.Origin
            : null;

        if (channel is null && ver is null)
        {
            // Any commit, tag or branch of a git origin, not only what the manifest happens to list.
            if (gitUrl is not null)
            {
                try
                {
                    return ResolveGit(label, gitUrl, version, null, version, entry.Source.Location, m.Id, location, mode, refresh, cancel);
                }
                catch (KraftException e) when (e is not NotCachedException && !VersionText.IsCommitish(version))
                {
                    throw new KraftException($"{label} has no version '{version}' in the index ({entry.Source.Location}) nor in {gitUrl}", location,
                        $"use one of: {Choices(m)}, or a commit of {gitUrl}");
                }
            }
            throw new KraftException($"{label} has no version '{version}' in the index ({entry.Source.Location})", location,
                $"use one of: {Choices(m)}" + (gitUrl is not null ? ", or a commit of " + gitUrl : "")
                + "; 'kraft pkg update' refreshes the index");
        }

        var refName = channel?.Name ?? ver!.Version;
        // A directory source's component is the directory as it is, git checkout or not: its one
        // channel, "default", is no ref of the checkout (kraft pkg source DIR of git clones).
        if (resource is not null && Directory.Exists(resource) && (m.Provider == "dir" || !SourceClassifier.IsGitRepository(resource)))
            return new ResolvedSource
            {
                Kind = SourceKind.LocalDirectory, Location = Path.GetFullPath(resource), Ref = refName,
                Index = entry.Source.Location, Manifest = m.Id,
            };

        if (gitUrl is not null)
        {
            // What to ask git for: the branch or tag an archive URL names, else the channel (a
            // branch) or the version (a tag, or a commit for gitsha versions).
            var wanted = refName;
            if (resource is not null && GitHubArchiveRef().Match(resource) is { Success: true } am)
                wanted = am.Groups["sha"].Success ? am.Groups["sha"].Value : am.Groups["ref"].Value;
            else if (ver?.Type == "gitsha")
                wanted = ver.Version;
            var listed = channel?.Commit ?? ver?.Commit ?? (VersionText.IsFullCommit(wanted) ? wanted.ToLowerInvariant() : null);
            return ResolveGit(label, gitUrl, wanted, listed, refName, entry.Source.Location, m.Id, location, mode, refresh, cancel);
        }

        if (resource is null || !resource.Contains("://", StringComparison.Ordinal))
            throw new KraftException($"{label}: the index lists '{resource}' as its source, which is neither a git repository, an archive URL nor a directory",
                location, $"fix the manifest in {entry.Source.Location}, or give the component a 'source:'");
        return new ResolvedSource
        {
            Kind = SourceKind.Archive, Location = resource, Sha256 = (channel?.Sha256 ?? ver?.Sha256)?.ToLowerInvariant(), Ref = refName,
            Index = entry.Source.Location, Manifest = m.Id,
        };
    }

    /// <summary>
    /// A git version as a commit. A commit listed by the index is taken as it is; a hash is looked up
    /// in the mirror (fetched when missing); a tag already in the mirror is used without the network
    /// (unless refreshing); branches and the default branch move, so they are asked of the remote
    /// (git ls-remote, no objects), falling back to the mirror with a warning if it cannot be reached.
    /// </summary>
    ResolvedSource ResolveGit(string label, string url, string? wanted, string? listed, string? refName, string? index, string? manifest,
        SourceLocation? location, ResolveMode mode, bool refresh, CancellationToken cancel)
    {
        ResolvedSource Done(string commit) => new()
        {
            Kind = SourceKind.Git, Location = url, Commit = commit.ToLowerInvariant(), Ref = refName, Index = index, Manifest = manifest,
        };
        if (listed is not null) return Done(listed);

        if (wanted is not null && VersionText.IsCommitish(wanted))
        {
            if (mirrors.Resolve(url, wanted, cancel) is { } known) return Done(known);
            if (mode == ResolveMode.CacheOnly)
                throw new NotCachedException(label, wanted, $"commit {wanted} of {url} is not in the git cache", location);
            mirrors.Update(url, cancel);
            if (mirrors.Resolve(url, wanted, cancel) is { } fetched) return Done(fetched);
            if (VersionText.IsFullCommit(wanted))
            {
                try { mirrors.EnsureCommit(url, wanted, cancel); return Done(wanted); }
                catch (KraftException) { }
            }
            throw UnknownVersion(label, url, wanted, mirrors.ListRemote(url, cancel).Keys, location);
        }

        if (!refresh && wanted is not null)
            foreach (var tag in TagCandidates(wanted))
                if (mirrors.Resolve(url, tag, cancel) is { } t) return Done(t);

        if (mode == ResolveMode.CacheOnly)
        {
            foreach (var rev in AllCandidates(wanted))
                if (mirrors.Resolve(url, rev, cancel) is { } c) return Done(c);
            throw new NotCachedException(label, wanted, mirrors.Exists(url)
                ? $"'{wanted ?? "the default branch"}' is not in the git cache of {url}"
                : $"{url} is not in the git cache", location);
        }

        IReadOnlyDictionary<string, string> refs;
        try
        {
            refs = mirrors.ListRemote(url, cancel);
        }
        catch (KraftException e) when (!cancel.IsCancellationRequested)
        {
            foreach (var rev in AllCandidates(wanted))
                if (mirrors.Resolve(url, rev, cancel) is { } c)
                {
                    reporter.Warn($"{url} cannot be reached ({e.Message}); using '{wanted ?? "the default branch"}' as cached: {c[..12]}");
                    return Done(c);
                }
            throw new KraftException($"cannot resolve {label}: {e.Message}", location, e.Hint, inner: e);
        }
        foreach (var rev in AllCandidates(wanted))
            if (refs.TryGetValue(rev, out var sha)) return Done(sha);
        throw UnknownVersion(label, url, wanted ?? "HEAD", refs.Keys, location);
    }

    /// <summary>Tag names a version may mean: itself, and for a release number RELEASE-x.y.z, vx.y.z, x.y.z.</summary>
    static IEnumerable<string> TagCandidates(string wanted)
    {
        if (wanted.StartsWith("refs/", StringComparison.Ordinal)) { if (wanted.StartsWith("refs/tags/", StringComparison.Ordinal)) yield return wanted; yield break; }
        yield return "refs/tags/" + wanted;
        if (VersionText.Release(wanted) is { } release)
            foreach (var t in VersionText.ReleaseTags(release))
                if (t != wanted) yield return "refs/tags/" + t;
    }

    /// <summary>Every ref a version may mean, in order: full ref, tag, branch, release tags; HEAD for none.</summary>
    static IEnumerable<string> AllCandidates(string? wanted)
    {
        if (wanted is null) { yield return "HEAD"; yield break; }
        if (wanted.StartsWith("refs/", StringComparison.Ordinal)) { yield return wanted; yield break; }
        yield return "refs/tags/" + wanted;
        yield return "refs/heads/" + wanted;
        if (VersionText.Release(wanted) is { } release)
            foreach (var t in VersionText.ReleaseTags(release))
                if (t != wanted) yield return "refs/tags/" + t;
    }

    static KraftException UnknownVersion(string label, string url, string version, IEnumerable<string> refs, SourceLocation? location)
    {
        var names = refs.Where(r => r.StartsWith("refs/heads/", StringComparison.Ordinal) || r.StartsWith("refs/tags/", StringComparison.Ordinal))
            .OrderBy(r => r.StartsWith("refs/tags/", StringComparison.Ordinal)).ThenByDescending(r => r, VersionText.NaturalOrder)
            .Select(r => r[(r.IndexOf('/', 5) + 1)..]).Distinct().Take(12).ToList();
        return new KraftException($"version '{version}' of {label} does not exist in {url}", location,
            names.Count == 0 ? "the repository has no branches or tags" : $"use a tag, branch or commit that exists; some are: {string.Join(", ", names)}");
    }

    KraftException NotFound(ComponentType type, string name, ComponentIndex index, SourceLocation? location)
    {
        var label = Label(type, name);
        var sameType = index.All.Where(e => e.Manifest.Type == type).Select(e => e.Manifest.Name);
        var close = Suggestions.SimilarNames(name, sameType);
        var otherType = index.FindByName(name).Select(e => e.Manifest.Id).ToList();
        var message = $"{label} is not in the component index";
        if (close.Count > 0) message += $"; did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?";
        if (otherType.Count > 0) message += $" (the index has {string.Join(", ", otherType)})";
        // The time of the newest listing that worked: a failed update changes nothing in the index.
        var listed = index.Snapshot.Sources.Where(s => s.ListedAt is not null).Select(s => s.ListedAt!.Value).DefaultIfEmpty().Max();
        var failed = index.Snapshot.Sources.Count(s => s.Error is not null);
        var updated = listed == default
            ? (index.Snapshot.UpdatedAt == default ? "" : " (no source has been listed successfully yet)")
            : $" (last updated {listed.LocalDateTime:yyyy-MM-dd HH:mm}{(failed > 0 ? $"; the last attempt failed for {failed} source{(failed == 1 ? "" : "s")}" : "")})";
        return new KraftException(message, location,
            $"run 'kraft pkg update' to refresh the index{updated}, add a source that has it with 'kraft pkg source URL', or give the component a 'source:' in the Kraftfile");
    }

    static string Choices(Manifest m)
    {
        var names = m.Channels.Select(c => c.Name).Concat(m.Versions.Select(v => v.Version)).Distinct().Take(12).ToList();
        return names.Count == 0 ? "(the manifest lists no channels or versions)" : string.Join(", ", names);
    }

    public static string Label(ComponentType type, string name) => type switch
    {
        ComponentType.Core => "the Unikraft core",
        ComponentType.Lib => $"library '{name}'",
        _ => $"{type.Name()} '{name}'",
    };

    [GeneratedRegex(@"/archive/(?:refs/(?:heads|tags)/(?<ref>.+)|(?<sha>[0-9a-fA-F]{7,40}))\.(?:tar\.gz|tgz|zip)$")]
    private static partial Regex GitHubArchiveRef();
}
