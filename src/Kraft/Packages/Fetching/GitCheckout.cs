using Kraft.Host;

namespace Kraft.Packages.Fetching;

/// <summary>
/// A project's working copy of a git component (.unikraft/unikraft, .unikraft/libs/NAME), made
/// from the mirror in the sources cache (no network) and checked out at one commit.
/// </summary>
public static class GitCheckout
{
    /// <summary>
    /// The commit a checkout's HEAD is detached at, read from .git/HEAD without running git
    /// (null when it is not a plain detached checkout).
    /// </summary>
    public static string? DetachedHead(string dir)
    {
        if (!IsCheckout(dir)) return null;
        try
        {
            var head = File.ReadAllText(Path.Combine(dir, ".git", "HEAD")).Trim();
            return Resolution.VersionText.IsFullCommit(head) ? head.ToLowerInvariant() : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// The file kraft writes into the .git folder of every checkout it creates. Only such a
    /// checkout is ever fetched into or force-checked-out: any other git repository found where a
    /// component goes is somebody's work and is left alone.
    /// </summary>
    public const string MarkerFile = "kraft-checkout";

    /// <summary>True for a git checkout that kraft created (and recorded with <see cref="MarkerFile"/>).</summary>
    public static bool IsCheckout(string dir) => File.Exists(Path.Combine(dir, ".git", MarkerFile));

    /// <summary>A git repository (or worktree) that kraft did not create.</summary>
    public static bool IsForeignRepository(string dir) => Path.Exists(Path.Combine(dir, ".git")) && !IsCheckout(dir);

    /// <summary>Refuses to touch a git repository kraft did not create where <paramref name="component"/> goes.</summary>
    public static void RefuseForeign(string dest, string component, string url, SourceLocation? location)
    {
        if (IsForeignRepository(dest))
            throw new KraftException($"{dest} is a git repository that kraft did not create; it was left untouched", location,
                $"kraft puts {component} from {url} there: move that repository away, or use it in place with source: PATH in the Kraftfile");
    }

    /// <summary>
    /// Puts <paramref name="commit"/> of the mirror at <paramref name="mirror"/> into <paramref name="dest"/>:
    /// nothing to do when HEAD already is that commit; a checkout when the tree is a git checkout;
    /// otherwise a fresh clone beside the destination, renamed into place when complete.
    /// </summary>
    public static void Materialize(Git git, string mirror, string url, string commit, string dest, string component, SourceLocation? location, CancellationToken cancel)
    {
        RefuseForeign(dest, component, url, location);
        if (DetachedHead(dest) == commit) return;
        if (IsCheckout(dest))
        {
            if (!git.Run(dest, cancel, "cat-file", "-e", commit + "^{commit}").Succeeded)
                git.Check(dest, $"git fetch of {commit} from the cache", cancel, "fetch", "--quiet", mirror, commit);
            git.Check(dest, $"git checkout of {commit}", cancel, "checkout", "--quiet", "--force", "--detach", commit);
            return;
        }
        if (Directory.Exists(dest) && ArchiveExtractor.ReadMarker(dest) is null && Directory.EnumerateFileSystemEntries(dest).Any())
            throw new KraftException($"{dest} exists but is not a git checkout", location,
                $"move it away or delete it, then build again; kraft puts {component} from {url} there");
        var parent = Path.GetDirectoryName(Path.GetFullPath(dest))!;
        Directory.CreateDirectory(parent);
        TempName.CleanStale(parent);
        var tmp = TempName.In(parent, Path.GetFileName(dest), "clone");
        try
        {
            git.Check(null, $"git clone of {url} from the cache", cancel, "clone", "--quiet", "--no-checkout", mirror, tmp);
            // The checkout's origin is the real repository, so 'git fetch' inside it works as users expect.
            git.Check(tmp, "git remote set-url", cancel, "remote", "set-url", "origin", url);
            if (!git.Run(tmp, cancel, "cat-file", "-e", commit + "^{commit}").Succeeded)
                git.Check(tmp, $"git fetch of {commit} from the cache", cancel, "fetch", "--quiet", mirror, commit);
            git.Check(tmp, $"git checkout of {commit}", cancel, "checkout", "--quiet", "--force", "--detach", commit);
            File.WriteAllText(Path.Combine(tmp, ".git", MarkerFile), url + "\n");
            ArchiveExtractor.DeleteTree(dest);
            Directory.Move(tmp, dest);
        }
        finally
        {
            ArchiveExtractor.DeleteTree(tmp);
        }
    }
}
