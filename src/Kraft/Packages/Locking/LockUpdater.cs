using Kraft.Packages.Config;

namespace Kraft.Packages.Locking;

/// <summary>kraft pkg update --component X: re-resolves one component of a project's Kraftfile.lock. (Skeleton.)</summary>
public static class LockUpdater
{
    /// <summary>Re-resolves <paramref name="component"/> (a name, or type/name) and rewrites the lock; returns a one-line summary.</summary>
    public static string UpdateComponent(string projectDir, string component, UserConfig config, IReporter reporter, CancellationToken cancel) =>
        throw new NotImplementedException();
}
