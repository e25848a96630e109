using Kraft.Packages.Config;
using Kraft.Packages.Resolution;
using Kraft.Project;

namespace Kraft.Packages.Locking;

/// <summary>kraft pkg update --component X: re-resolves one component of a project's Kraftfile.lock.</summary>
public static class LockUpdater
{
    /// <summary>
    /// Re-resolves <paramref name="component"/> (a name, or type/name such as lib/musl or core/unikraft)
    /// as the project's Kraftfile asks for it, ignoring its lock entry and what the git mirrors know
    /// about tags, and rewrites the lock with only that entry changed (or added). Archives whose
    /// digest nobody lists are downloaded to learn it. Returns a one-line summary.
    /// </summary>
    public static string UpdateComponent(string projectDir, string component, UserConfig config, IReporter reporter, CancellationToken cancel)
    {
        var project = KraftfileLoader.LoadProject(Path.GetFullPath(projectDir), null);
        var lockPath = LockFile.PathFor(project.KraftfilePath);
        var lockFile = LockFile.Load(lockPath);
        var all = (project.Unikraft is null ? [] : new[] { project.Unikraft }).Concat(project.Libraries).ToList();
        var wanted = component.Trim();
        var matches = all.Where(c =>
        {
            var id = ComponentRequest.For(c, project.Directory).Id;
            return id == wanted || c.Name == wanted || (wanted is "core" or "unikraft" && c.Kind == ComponentKind.Core);
        }).ToList();
        if (matches.Count == 0)
            throw new KraftException($"the Kraftfile has no component '{component}'", new SourceLocation(project.KraftfilePath),
                $"components: {string.Join(", ", all.Select(c => ComponentRequest.For(c, project.Directory).Id))}"
                + (Suggestions.SimilarNames(wanted, all.Select(c => c.Name)) is { Count: > 0 } close ? $" (did you mean {string.Join(" or ", close)}?)" : ""));
        if (matches.Count > 1)
            throw new KraftException($"'{component}' names more than one component", new SourceLocation(project.KraftfilePath),
                $"say which: {string.Join(", ", matches.Select(c => ComponentRequest.For(c, project.Directory).Id))}");
        var c = matches[0];
        var request = ComponentRequest.For(c, project.Directory);

        using var fetcher = new SourceFetcher(reporter, config);
        if (config.Offline)
            throw new KraftException("re-resolving a component needs the network, and kraft is offline (--offline or KRAFTKIT_OFFLINE)",
                hint: "connect, or unset KRAFTKIT_OFFLINE");
        var resolved = fetcher.Resolver.Resolve(c, ResolveMode.Network, refresh: true, cancel);
        if (resolved.Kind == SourceKind.Archive && resolved.Sha256 is null)
            resolved = resolved with { Sha256 = fetcher.Archives.Get(resolved.Location, null, false, request.Id, cancel).Sha256 };

        var previous = lockFile?.Find(request.Type, request.Name);
        // Keep every other entry as it is, in the Kraftfile's order; an entry for this one replaces the old.
        var entries = new List<LockEntry>();
        foreach (var other in all)
        {
            var r = ComponentRequest.For(other, project.Directory);
            if (r == request) entries.Add(new LockEntry(request, resolved));
            else if (lockFile?.Find(r.Type, r.Name) is { } kept) entries.Add(kept);
        }
        LockFile.Save(lockPath, entries, lockFile?.Origins);
        return previous is null
            ? $"{request.Id}: added to Kraftfile.lock: {resolved.Describe()}"
            : previous.Resolved.SameAs(resolved) && previous.Request == request
                ? $"{request.Id}: unchanged ({resolved.Ref ?? "default"} is still {resolved.Short})"
                : $"{request.Id}: {ResolvedSource.Difference(previous.Resolved, resolved)}";
    }
}
