using Kraft.Host;
using Kraft.Project;

namespace Kraft.Packages;

/// <summary>
/// Puts each component's source tree on disk: local directories are used in place; git sources
/// are cloned with the system git into the project's .unikraft folder and checked out at the
/// asked version. Nothing touches the network when the asked version is already there.
/// </summary>
public sealed class SourceFetcher(IReporter reporter)
{
    Git? _git;
    Git GitTool => _git ??= new Git();

    /// <summary>Where a git component is checked out: .unikraft/unikraft or .unikraft/libs/NAME.</summary>
    public static string CheckoutPath(KraftProject project, Component c) => c.Kind switch
    {
        ComponentKind.Core => Path.Combine(project.Directory, ".unikraft", "unikraft"),
        ComponentKind.Library => Path.Combine(project.Directory, ".unikraft", "libs", c.Name),
        ComponentKind.Application => Path.Combine(project.Directory, ".unikraft", "apps", c.Name),
        _ => Path.Combine(project.Directory, ".unikraft", "runtimes", c.Name),
    };

    /// <summary>Fetches (when needed) and returns where the component's tree is.</summary>
    public ResolvedComponent Fetch(KraftProject project, Component c, CancellationToken cancel = default)
    {
        var source = c.Source ?? DefaultOrigins.For(c);
        if (c.Source is not null && SourceClassifier.Classify(source) == SourceKind.LocalDirectory)
            return Local(c, source);
        return FetchGit(c, source, CheckoutPath(project, c), cancel, anyOrigin: c.Source is null);
    }

    /// <summary>What a fetch would give, without fetching: for plans (--dry-run).</summary>
    public ResolvedComponent Peek(KraftProject project, Component c, CancellationToken cancel = default)
    {
        var source = c.Source ?? DefaultOrigins.For(c);
        if (c.Source is not null && SourceClassifier.Classify(source) == SourceKind.LocalDirectory)
            return Local(c, source);
        var dest = CheckoutPath(project, c);
        var checkedOut = Directory.Exists(Path.Combine(dest, ".git"));
        var commit = checkedOut ? ResolveLocal(dest, c.Version, cancel) : null;
        if (checkedOut && c.Source is null
            && GitTool.Run(dest, cancel, "config", "--get", "remote.origin.url").StandardOutput.Trim() is { Length: > 0 } origin)
            source = origin;
        return new ResolvedComponent
        {
            Component = c, Path = dest, Origin = source, Commit = commit,
            RequestedVersion = c.Version, Pending = commit is null,
        };
    }

    static ResolvedComponent Local(Component c, string dir)
    {
        if (!Directory.Exists(dir))
            throw new KraftException($"the source of {Describe(c)} does not exist: {dir}", c.Location,
                "fix the path (relative paths are taken from the Kraftfile's directory) or use a git URL");
        return new ResolvedComponent { Component = c, Path = Path.GetFullPath(dir), Origin = "local directory" };
    }

    /// <param name="anyOrigin">
    /// The Kraftfile named no source, so an existing checkout is fine wherever it was cloned from
    /// (a mirror, say), as long as it has the asked version.
    /// </param>
    ResolvedComponent FetchGit(Component c, string url, string dest, CancellationToken cancel, bool anyOrigin = false)
    {
        var git = GitTool;
        if (Directory.Exists(Path.Combine(dest, ".git")))
        {
            var origin = git.Run(dest, cancel, "config", "--get", "remote.origin.url").StandardOutput.Trim();
            if (origin == url || anyOrigin && origin.Length > 0)
            {
                url = origin;
                var commit = ResolveLocal(dest, c.Version, cancel);
                if (commit is null)
                {
                    reporter.Info($"fetching {Describe(c)} from {url}");
                    git.Check(dest, $"git fetch of {url}", cancel, "fetch", "--quiet", "--tags", "--force", "origin");
                    commit = ResolveLocal(dest, c.Version, cancel) ?? throw UnknownVersion(c, url, dest);
                }
                Checkout(git, dest, commit, cancel);
                return Resolved(c, url, dest, commit);
            }
            reporter.Warn($"{dest} was cloned from {(origin.Length == 0 ? "elsewhere" : origin)}; replacing it with {url}");
        }
        else if (Directory.Exists(dest) && Directory.EnumerateFileSystemEntries(dest).Any())
        {
            throw new KraftException($"{dest} exists but is not a git checkout", c.Location,
                $"move it away or delete it, then build again; kraft clones {url} there");
        }

        // Clone beside the destination and rename it into place at the end, so an interrupted
        // clone never leaves a tree that a later build would trust.
        var parent = Path.GetDirectoryName(dest)!;
        Directory.CreateDirectory(parent);
        var tmp = Path.Combine(parent, $".{Path.GetFileName(dest)}.clone-{Environment.ProcessId}");
        DeleteTree(tmp);
        try
        {
            reporter.Info($"cloning {Describe(c)} from {url}");
            git.Check(null, $"git clone of {url}", cancel, "clone", "--quiet", "--no-checkout", url, tmp);
            var commit = ResolveLocal(tmp, c.Version, cancel) ?? throw UnknownVersion(c, url, tmp);
            Checkout(git, tmp, commit, cancel);
            DeleteTree(dest);
            Directory.Move(tmp, dest);
            return Resolved(c, url, dest, commit);
        }
        finally
        {
            DeleteTree(tmp);
        }
    }

    string? ResolveLocal(string repo, string? version, CancellationToken cancel)
    {
        var git = GitTool;
        if (version is null)
            return git.ResolveCommit(repo, "refs/remotes/origin/HEAD", cancel) ?? git.ResolveCommit(repo, "HEAD", cancel);
        foreach (var rev in DefaultOrigins.RevisionCandidates(version))
            if (git.ResolveCommit(repo, rev, cancel) is { } sha)
                return sha;
        return null;
    }

    static void Checkout(Git git, string repo, string commit, CancellationToken cancel)
    {
        var head = git.ResolveCommit(repo, "HEAD", cancel);
        var clean = head == commit && git.Run(repo, cancel, "status", "--porcelain", "--untracked-files=no").StandardOutput.Length == 0;
        if (!clean)
            git.Check(repo, $"git checkout of {commit}", cancel, "checkout", "--quiet", "--force", "--detach", commit);
    }

    KraftException UnknownVersion(Component c, string url, string repo)
    {
        var refs = GitTool.Run(repo, default, "for-each-ref", "--sort=-creatordate", "--count=12",
            "--format=%(refname:lstrip=2)", "refs/tags", "refs/remotes/origin").StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.StartsWith("origin/", StringComparison.Ordinal) ? r["origin/".Length..] : r)
            .Where(r => r != "HEAD").Distinct();
        return new KraftException($"version '{c.Version}' of {Describe(c)} does not exist in {url}", c.Location,
            $"use a tag, branch or commit that exists; recent ones: {string.Join(", ", refs)}");
    }

    static ResolvedComponent Resolved(Component c, string url, string path, string commit) => new()
    {
        Component = c, Path = path, Origin = url, Commit = commit, RequestedVersion = c.Version,
    };

    static string Describe(Component c) => c.Kind switch
    {
        ComponentKind.Core => "the Unikraft core",
        ComponentKind.Library => $"library '{c.Name}'",
        _ => $"'{c.Name}'",
    };

    static void DeleteTree(string path)
    {
        if (!Directory.Exists(path)) return;
        // git makes its pack files read-only; clear that so the delete cannot fail half-way.
        foreach (var f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
            File.SetAttributes(f, FileAttributes.Normal);
        Directory.Delete(path, recursive: true);
    }
}
