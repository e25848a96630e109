using Kraft.Packages.Resolution;
using Kraft.Project;

namespace Kraft.Packages;

/// <summary>How a component's resolution relates to Kraftfile.lock.</summary>
public enum LockState
{
    /// <summary>Not recorded (no lock is kept, e.g. a plain fetch).</summary>
    None,
    /// <summary>Taken from the lock: the request is unchanged.</summary>
    Locked,
    /// <summary>Not in the lock yet: resolved now and added.</summary>
    Added,
    /// <summary>The Kraftfile's request changed since the lock was written: resolved again.</summary>
    Changed,
}

/// <summary>A component whose source tree is on disk (or would be, in a plan), and what exactly was put there.</summary>
public sealed record ResolvedComponent
{
    public required Component Component { get; init; }
    /// <summary>Absolute path of the source tree.</summary>
    public required string Path { get; init; }
    /// <summary>How it got there: "local directory", or the git or archive URL it came from.</summary>
    public required string Origin { get; init; }
    /// <summary>The checked-out commit for git sources (null for directories and archives).</summary>
    public string? Commit { get; init; }
    /// <summary>The version as asked for (tag, branch, commit, channel), or null for the default.</summary>
    public string? RequestedVersion { get; init; }
    /// <summary>True when the tree is not on disk yet (only in plans made without fetching).</summary>
    public bool Pending { get; init; }
    /// <summary>The exact resolution, as the lock records it (null when it could not be resolved without fetching).</summary>
    public ResolvedSource? Source { get; init; }
    /// <summary>Why a pending component could not be resolved from the caches (dry runs).</summary>
    public string? PendingReason { get; init; }
    public LockState Lock { get; init; }
    /// <summary>For Changed: what differs from the lock entry ("version 'stable' → 'staging', commit … → …").</summary>
    public string? LockDifference { get; init; }

    /// <summary>"git URL @ v0.16.3 (e453b74a…)", "local directory (…)", … for plans and messages.</summary>
    public string Describe()
    {
        var text = Source is { } s ? s.Describe()
            : Commit is null && !Pending ? $"{Origin} ({Path})"
            : $"{Origin} @ {RequestedVersion ?? "default branch"}";
        if (Pending) text += PendingReason is null ? " (not fetched yet)" : $" (not fetched yet: {PendingReason})";
        text += Lock switch
        {
            LockState.Locked => " [locked]",
            LockState.Added => " [new to Kraftfile.lock]",
            LockState.Changed => $" [changed from Kraftfile.lock: {LockDifference}]",
            _ => "",
        };
        return text;
    }
}
