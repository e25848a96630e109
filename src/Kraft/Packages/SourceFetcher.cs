using Kraft.Host;
using Kraft.Packages.Config;
using Kraft.Packages.Fetching;
using Kraft.Packages.Locking;
using Kraft.Packages.Manifests;
using Kraft.Packages.Resolution;
using Kraft.Project;

namespace Kraft.Packages;

/// <summary>What preparing a project's sources may do.</summary>
public sealed record FetchOptions
{
    /// <summary>False for plans (--dry-run): nothing is fetched or written and the network is not used.</summary>
    public bool Fetch { get; init; } = true;
    /// <summary>Only the caches (--offline; KRAFTKIT_OFFLINE=1 through the configuration counts too).</summary>
    public bool Offline { get; init; }
    /// <summary>Fail rather than change Kraftfile.lock (--locked).</summary>
    public bool Locked { get; init; }
}

/// <summary>A project's components as prepared: the core (if any), the libraries, and what happened to the lock.</summary>
public sealed record ProjectSources(ResolvedComponent? Core, IReadOnlyList<ResolvedComponent> Libraries, string LockPath,
    bool LockWritten, IReadOnlyList<string> LockChanges);

/// <summary>
/// Puts each component's source tree on disk. Resolution (<see cref="ComponentResolver"/>) says
/// exactly what (a commit, an archive digest, a directory); Kraftfile.lock keeps that answer while
/// the Kraftfile's request does not change; the caches (git mirrors, archives) provide the bytes,
/// so the network is used only for what is not cached. Directories are used in place; git
/// components are checked out from the mirror into .unikraft/unikraft or .unikraft/libs/NAME;
/// archives are unpacked there.
/// </summary>
public sealed class SourceFetcher : IDisposable
{
    readonly IReporter _reporter;
    readonly UserConfig _config;
    Git? _git;
    HttpFetcher? _http;

    public GitMirrorCache Mirrors { get; }
    public ArchiveCache Archives { get; }
    public ComponentResolver Resolver { get; }
    public SourcesCache Cache { get; }

    public SourceFetcher(IReporter reporter, UserConfig? config = null)
    {
        _reporter = reporter;
        _config = config ?? UserConfigLoader.Load();
        Cache = new SourcesCache(_config.SourcesDir);
        Mirrors = new GitMirrorCache(Cache, () => GitTool, reporter);
        Archives = new ArchiveCache(Cache, () => Http, reporter);
        Resolver = new ComponentResolver(_config, Mirrors, reporter);
    }

    Git GitTool => _git ??= new Git(_config.Auth);
    HttpFetcher Http => _http ??= _config.CreateHttpFetcher();

    public void Dispose() => _http?.Dispose();

    /// <summary>Where a component goes in a project: .unikraft/unikraft or .unikraft/libs/NAME (KraftKit's places).</summary>
    public static string CheckoutPath(KraftProject project, Component c) => c.Kind switch
    {
        ComponentKind.Runtime => ContainedPath.Combine(project.Directory, ".unikraft", "runtimes", c.Name),
        _ => PlacePath(project.Directory, ComponentTypes.From(c.Kind), c.Name),
    };

    /// <summary>
    /// KraftKit's PlaceComponent: core in .unikraft/unikraft, others in .unikraft/PLURAL/NAME.
    /// Names are checked where they enter (<see cref="Names"/>); the path is proven to stay in the project all the same.
    /// </summary>
    public static string PlacePath(string workdir, ComponentType type, string name) => type == ComponentType.Core
        ? ContainedPath.Combine(workdir, ".unikraft", "unikraft")
        : ContainedPath.Combine(workdir, ".unikraft", type.Plural(), name);

    /// <summary>
    /// Resolves (through Kraftfile.lock where the request is unchanged) and, unless only planning,
    /// fetches the core and the libraries, then writes the lock if anything in it changed.
    /// Offline, every component is checked against the caches first and all missing ones are
    /// named in one error before anything is fetched.
    /// </summary>
    public ProjectSources Prepare(KraftProject project, FetchOptions options, CancellationToken cancel = default)
    {
        var lockPath = LockFile.PathFor(project.KraftfilePath);
        var lockFile = LockFile.Load(lockPath);
        var offline = options.Offline || _config.Offline;
        var mode = options.Fetch && !offline ? ResolveMode.Network : ResolveMode.CacheOnly;
        var components = new List<Component>();
        if (project.Unikraft is not null) components.Add(project.Unikraft);
        components.AddRange(project.Libraries);
        // A merged template (WithTemplate) is on disk already; it is listed so the lock records it.
        if (project.Template is not null && project.AppDirectory is not null) components.Add(project.Template);

        var items = new List<Item>();
        var problems = new List<string>();
        var missing = new List<NotCachedException>();
        foreach (var c in components)
        {
            var req = ComponentRequest.For(c, project.Directory);
            var entry = lockFile?.Find(req.Type, req.Name);
            if (entry is not null && Reusable(entry, req))
            {
                items.Add(new Item(c, req, entry.Resolved, LockState.Locked, null));
                continue;
            }
            if (IsLocalDirectory(c) || entry?.Resolved.Kind == SourceKind.LocalDirectory)
            {
                // A local directory is always the one the Kraftfile (or the index) names now, never the lock's:
                // editing the lock's path must not redirect a library. The lock is corrected when it differs.
                var src = Resolver.Resolve(c, mode, false, cancel);
                var same = entry is not null && entry.Request == req && entry.Resolved.SameAs(src);
                // A directory pins nothing, so --locked needs no entry for it (a lock may hold only library
                // origins); an entry that disagrees with the Kraftfile is still a change.
                if (options.Locked && !same && entry is not null)
                    problems.Add($"{req.Id}: Kraftfile.lock does not match the Kraftfile ({ComponentRequest.Difference(entry.Request, req)}; {ResolvedSource.Difference(entry.Resolved, src)})");
                items.Add(new Item(c, req, src, same ? LockState.Locked : entry is null ? LockState.Added : LockState.Changed, same ? null : entry));
                continue;
            }
            var state = entry is null ? LockState.Added : LockState.Changed;
            // A directory pins nothing, so it needs no entry (a lock may hold only library origins): it is used as it is.
            if (options.Locked && !(entry is null && IsLocalDirectory(c)))
            {
                problems.Add(entry is null ? $"{req.Id}: not in Kraftfile.lock" : $"{req.Id}: the Kraftfile changed ({ComponentRequest.Difference(entry.Request, req)})");
                continue;
            }
            try
            {
                var src = Resolver.Resolve(c, mode, false, cancel);
                items.Add(new Item(c, req, src, state, entry));
            }
            catch (NotCachedException e)
            {
                missing.Add(e);
                items.Add(new Item(c, req, null, state, entry) { Pending = e.Missing });
            }
        }
        if (options.Locked)
        {
            foreach (var stale in lockFile?.Entries ?? [])
                if (!items.Any(i => i.Request.Type == stale.Request.Type && i.Request.Name == stale.Request.Name)
                    && !components.Any(c => ComponentRequest.For(c, project.Directory) is var r && r.Type == stale.Request.Type && r.Name == stale.Request.Name))
                    problems.Add($"{stale.Request.Id}: in Kraftfile.lock but no longer in the Kraftfile");
            if (problems.Count > 0)
                throw new KraftException(
                    (lockFile is null ? $"--locked: there is no {lockPath}" : "--locked: resolving the Kraftfile would change Kraftfile.lock")
                    + ":\n  " + string.Join("\n  ", problems),
                    new SourceLocation(lockPath),
                    "run the command without --locked to update the lock (then commit it), or put the Kraftfile back as the lock has it");
        }

        // Before fetching anything: can the caches provide every resolved component?
        foreach (var item in items.Where(i => i.Source is not null))
        {
            var reason = Missing(item.Source!, CheckoutPath(project, item.Component), cancel);
            if (reason is null) continue;
            item.Pending = reason;
            if (offline) missing.Add(new NotCachedException(Label(item.Component), item.Component.Version, reason, item.Component.Location));
        }
        if (offline && options.Fetch && missing.Count > 0)
            throw new KraftException(
                $"offline: {(missing.Count == 1 ? "1 component is" : $"{missing.Count} components are")} not in the cache ({_config.SourcesDir}):\n  "
                + string.Join("\n  ", missing.Select(m => (m.Location is { } at ? at + ": " : "") + m.Message)),
                hint: "connect and run 'kraft build' (or 'kraft pkg pull' in the project) once, so everything is cached; offline builds use only the cache");

        if (!options.Fetch)
        {
            var planned = items.Select(i => Planned(project, i)).ToList();
            return Result(project, planned, lockPath, false, []);
        }

        var fetched = new List<ResolvedComponent>();
        var finals = new List<LockEntry>();
        foreach (var item in items)
        {
            var dest = CheckoutPath(project, item.Component);
            var final = Materialize(Label(item.Component), item.Component.Location, item.Source!, dest, offline, cancel);
            finals.Add(new LockEntry(item.Request, final));
            fetched.Add(Component(item.Component, final, item.Source!.Kind == SourceKind.LocalDirectory ? final.Location : dest) with
            {
                Lock = item.State,
                LockDifference = item.Previous is { } prev ? Difference(prev, item.Request, final) : null,
            });
        }

        var changes = new List<string>();
        var written = false;
        if (lockFile is not null || finals.Any(f => f.Resolved.Kind != SourceKind.LocalDirectory))
        {
            var text = LockFile.Format(lockPath, finals, lockFile?.Origins);
            var old = File.Exists(lockPath) ? File.ReadAllText(lockPath) : null;
            if (text != old)
            {
                foreach (var (r, f) in fetched.Zip(finals))
                    if (r.Lock == LockState.Added) changes.Add($"added {f.Request.Id}: {f.Resolved.Describe()}");
                    else if (r.Lock == LockState.Changed) changes.Add($"{f.Request.Id}: {r.LockDifference}");
                foreach (var stale in lockFile?.Entries ?? [])
                    if (!finals.Any(f => f.Request.Type == stale.Request.Type && f.Request.Name == stale.Request.Name))
                        changes.Add($"removed {stale.Request.Id} (no longer in the Kraftfile)");
                AtomicFile.WriteAllText(lockPath, text);
                written = true;
                foreach (var ch in changes) _reporter.Info($"Kraftfile.lock: {ch}");
            }
        }
        return Result(project, fetched, lockPath, written, changes);
    }

    static ProjectSources Result(KraftProject project, List<ResolvedComponent> all, string lockPath, bool written, List<string> changes)
    {
        var core = project.Unikraft is null ? null : all[0];
        return new ProjectSources(core, all.Skip(core is null ? 0 : 1).Where(c => c.Component.Kind == ComponentKind.Library).ToList(),
            lockPath, written, changes);
    }

    /// <summary>
    /// The project on top of its template (a Kraftfile <c>template:</c>): the template is resolved
    /// (through Kraftfile.lock while the request is unchanged) and put in .unikraft/apps/NAME, its
    /// Kraftfile loaded and merged under the project's (<see cref="TemplateMerger"/>); its tree
    /// becomes make's A=. A plan (no fetching) merges only a template already on disk. Returns the
    /// project unchanged when it has no template.
    /// </summary>
    public KraftProject WithTemplate(KraftProject project, FetchOptions options, CancellationToken cancel = default)
    {
        if (project.Template is not { } t || project.AppDirectory is not null) return project;
        var label = Label(t);
        Names.Check(NameKind.Template, t.Name, t.Location);
        var offline = options.Offline || _config.Offline;
        var req = ComponentRequest.For(t, project.Directory);
        var entry = LockFile.Load(LockFile.PathFor(project.KraftfilePath))?.Find(req.Type, req.Name);
        ResolvedSource src;
        if (entry is not null && entry.Request == req) src = entry.Resolved;
        else if (options.Locked && !IsLocalDirectory(t))
            throw new KraftException($"--locked: {req.Id} is not in Kraftfile.lock (or the Kraftfile changed it)", t.Location,
                "run the command without --locked to update the lock (then commit it)");
        else
        {
            try { src = Resolver.Resolve(t, options.Fetch && !offline ? ResolveMode.Network : ResolveMode.CacheOnly, false, cancel); }
            // A plan looks only at the caches: a git template never fetched cannot be resolved yet, which
            // is the same "not fetched yet" as below (the catalog's templates before their first build).
            catch (NotCachedException) when (!options.Fetch)
            {
                _reporter.Warn($"{label} is not fetched yet, so the plan shows the project without it ('kraft pkg pull' fetches it)");
                return project;
            }
        }
        var dest = Host.ContainedPath.Combine(project.Directory, ".unikraft", "apps", t.Name);
        string dir;
        if (src.Kind == SourceKind.LocalDirectory) dir = src.Location;
        else if (options.Fetch) { Materialize(label, t.Location, src, dest, offline, cancel); dir = dest; }
        else if (Missing(src, dest, cancel) is null && Directory.Exists(dest)) dir = dest;
        else
        {
            _reporter.Warn($"{label} is not fetched yet, so the plan shows the project without it ('kraft pkg pull' fetches it)");
            return project;
        }
        var kraftfile = KraftfileLocator.FindIn(dir)
            ?? throw new KraftException($"the {label} has no Kraftfile ({dir} holds none of {string.Join(", ", KraftfileLocator.FileNames)})",
                t.Location, "a template is an application with its own Kraftfile (e.g. app-elfloader); point 'template:' at one, or drop it and give 'unikraft:' and 'libraries:' yourself");
        var template = KraftfileLoader.Load(kraftfile, dir);
        var merged = TemplateMerger.Merge(project, template, dir);
        foreach (var c in merged.Conflicts) _reporter.Warn(c);
        return merged.Project;
    }

    static string Difference(LockEntry previous, ComponentRequest now, ResolvedSource resolved)
    {
        var req = ComponentRequest.Difference(previous.Request, now);
        var res = ResolvedSource.Difference(previous.Resolved, resolved);
        return res == "unchanged" ? req : $"{req}; {res}";
    }

    sealed record Item(Component Component, ComponentRequest Request, ResolvedSource? Source, LockState State, LockEntry? Previous)
    {
        /// <summary>Why it is not on disk and cannot be fetched from the caches (null: fine).</summary>
        public string? Pending { get; set; }
    }

    ResolvedComponent Planned(KraftProject project, Item item)
    {
        var c = item.Component;
        var dest = CheckoutPath(project, c);
        if (item.Source is not { } src)
            return new ResolvedComponent
            {
                Component = c, Path = dest, Origin = c.Source ?? "the component index", RequestedVersion = c.Version,
                Pending = true, PendingReason = item.Pending, Lock = item.State,
                LockDifference = item.Previous is { } locked ? ComponentRequest.Difference(locked.Request, item.Request) : null,
            };
        var onDisk = src.Kind switch
        {
            SourceKind.LocalDirectory => Directory.Exists(src.Location),
            SourceKind.Git => GitCheckout.DetachedHead(dest) == src.Commit,
            _ => src.Sha256 is not null && ArchiveExtractor.ReadMarker(dest) == src.Sha256,
        };
        return Component(c, src, src.Kind == SourceKind.LocalDirectory ? src.Location : dest) with
        {
            Pending = !onDisk, PendingReason = onDisk ? null : item.Pending,
            Lock = item.State,
            LockDifference = item.Previous is { } prev ? Difference(prev, item.Request, src) : null,
        };
    }

    static ResolvedComponent Component(Component c, ResolvedSource src, string path) => new()
    {
        Component = c, Path = path, Origin = src.Kind == SourceKind.LocalDirectory ? "local directory" : src.Location,
        Commit = src.Commit, RequestedVersion = c.Version, Source = src,
    };

    /// <summary>Why the caches cannot provide <paramref name="src"/> at <paramref name="dest"/>, or null when they can.</summary>
    public string? Missing(ResolvedSource src, string dest, CancellationToken cancel)
    {
        switch (src.Kind)
        {
            case SourceKind.LocalDirectory:
                return Directory.Exists(src.Location) ? null : $"the directory {src.Location} does not exist";
            case SourceKind.Git:
                if (GitCheckout.DetachedHead(dest) == src.Commit) return null;
                if (Mirrors.HasCommit(src.Location, src.Commit!, cancel)) return null;
                if (GitCheckout.IsCheckout(dest) && GitTool.Run(dest, cancel, "cat-file", "-e", src.Commit + "^{commit}").Succeeded) return null;
                return Mirrors.Exists(src.Location)
                    ? $"commit {src.Commit![..12]} of {src.Location} is not in the git cache"
                    : $"{src.Location} is not in the git cache";
            default:
                if (src.Sha256 is not null && (ArchiveExtractor.ReadMarker(dest) == src.Sha256 || Archives.Find(src.Sha256) is not null)) return null;
                return $"the archive {src.Location} is not in the cache";
        }
    }

    /// <summary>Puts a resolved source at <paramref name="dest"/> (directories stay where they are); returns it with the digest of a downloaded archive filled in.</summary>
    public ResolvedSource Materialize(string label, SourceLocation? location, ResolvedSource src, string dest, bool offline, CancellationToken cancel)
    {
        switch (src.Kind)
        {
            case SourceKind.LocalDirectory:
                if (!Directory.Exists(src.Location))
                    throw new KraftException($"the source of {label} does not exist: {src.Location}", location,
                        "fix the path (relative paths are taken from the Kraftfile's directory) or use a git URL");
                return src;
            case SourceKind.Git:
                var commit = src.Commit!;
                GitCheckout.RefuseForeign(dest, label, src.Location, location);
                if (GitCheckout.DetachedHead(dest) == commit) return src;
                var inCheckout = GitCheckout.IsCheckout(dest) && GitTool.Run(dest, cancel, "cat-file", "-e", commit + "^{commit}").Succeeded;
                if (!inCheckout && !Mirrors.HasCommit(src.Location, commit, cancel))
                {
                    if (offline) throw new NotCachedException(label, src.Ref, $"commit {commit[..12]} of {src.Location} is not in the git cache", location);
                    Mirrors.EnsureCommit(src.Location, commit, cancel);
                }
                _reporter.Info($"checking out {label} at {src.Ref ?? "the default branch"} ({commit[..12]})");
                GitCheckout.Materialize(GitTool, Mirrors.PathFor(src.Location), src.Location, commit, dest, label, location, cancel);
                return src;
            default:
                if (src.Sha256 is not null && ArchiveExtractor.ReadMarker(dest) == src.Sha256) return src;
                var (file, sha) = Archives.Get(src.Location, src.Sha256, offline, label, cancel);
                if (ArchiveExtractor.ReadMarker(dest) != sha)
                {
                    if (Directory.Exists(dest) && !GitCheckout.IsCheckout(dest) && ArchiveExtractor.ReadMarker(dest) is null
                        && Directory.EnumerateFileSystemEntries(dest).Any())
                        throw new KraftException($"{dest} exists but kraft did not put it there", location,
                            $"move it away or delete it, then try again; kraft unpacks {label} from {src.Location} there");
                    _reporter.Info($"unpacking {label} ({sha[..12]})");
                    ArchiveExtractor.Extract(file, dest, sha, src.Location);
                }
                return src with { Sha256 = sha };
        }
    }

    /// <summary>Fetches one component without any lock (resolution may use the network unless offline).</summary>
    public ResolvedComponent Fetch(KraftProject project, Component c, CancellationToken cancel = default)
    {
        var offline = _config.Offline;
        var src = Resolver.Resolve(c, offline ? ResolveMode.CacheOnly : ResolveMode.Network, false, cancel);
        var dest = CheckoutPath(project, c);
        var final = Materialize(Label(c), c.Location, src, dest, offline, cancel);
        return Component(c, final, final.Kind == SourceKind.LocalDirectory ? final.Location : dest);
    }

    /// <summary>What a fetch would give, from the caches only: for plans.</summary>
    public ResolvedComponent Peek(KraftProject project, Component c, CancellationToken cancel = default)
    {
        ResolvedSource src;
        try { src = Resolver.Resolve(c, ResolveMode.CacheOnly, false, cancel); }
        catch (NotCachedException e)
        {
            return new ResolvedComponent
            {
                Component = c, Path = CheckoutPath(project, c), Origin = c.Source ?? "the component index",
                RequestedVersion = c.Version, Pending = true, PendingReason = e.Missing,
            };
        }
        return Planned(project, new Item(c, ComponentRequest.For(c, project.Directory), src, LockState.None, null)
        {
            Pending = Missing(src, CheckoutPath(project, c), cancel),
        });
    }

    /// <summary>kraft pkg pull NAME: resolves one component (no lock) and puts it in WORKDIR/.unikraft/… as KraftKit places it.</summary>
    public (ResolvedSource Source, string Path) Pull(ComponentType type, string name, string? version, string workdir, CancellationToken cancel = default)
    {
        var offline = _config.Offline;
        var src = Resolver.Resolve(type, name, null, version, null, offline ? ResolveMode.CacheOnly : ResolveMode.Network, false, cancel);
        var dest = src.Kind == SourceKind.LocalDirectory ? src.Location : PlacePath(workdir, type, name);
        return (Materialize(ComponentResolver.Label(type, name), null, src, dest, offline, cancel), dest);
    }

    /// <summary>
    /// Whether a lock entry answers this request: the same type, name, source and version, an answer of
    /// the kind the source names (never a directory: those are resolved anew), and for a source the
    /// Kraftfile gives, that very URL.
    /// </summary>
    static bool Reusable(LockEntry entry, ComponentRequest req)
    {
        if (entry.Request != req || entry.Resolved.Kind == SourceKind.LocalDirectory) return false;
        if (req.Source is null) return true;
        var kind = SourceClassifier.Classify(req.Source);
        return kind != SourceKind.LocalDirectory && kind == entry.Resolved.Kind && entry.Resolved.Location == req.Source;
    }

    static bool IsLocalDirectory(Component c) => c.Source is not null && SourceClassifier.Classify(c.Source) == SourceKind.LocalDirectory;

    static string Label(Component c) => ComponentResolver.Label(ComponentTypes.From(c.Kind), c.Name);
}
