using Kraft.Project;

namespace Kraft.Packages;

/// <summary>A component whose source tree is on disk, and what exactly was put there.</summary>
public sealed record ResolvedComponent
{
    public required Component Component { get; init; }
    /// <summary>Absolute path of the source tree.</summary>
    public required string Path { get; init; }
    /// <summary>How it got there: "local directory", or the git URL it was cloned from.</summary>
    public required string Origin { get; init; }
    /// <summary>The checked-out commit for git sources (null for plain directories).</summary>
    public string? Commit { get; init; }
    /// <summary>The version as asked for (tag, branch, commit), or null for the default branch.</summary>
    public string? RequestedVersion { get; init; }
    /// <summary>True when the tree is not on disk yet (only in plans made without fetching).</summary>
    public bool Pending { get; init; }

    /// <summary>"v0.16.3 (e453b74a)", "local directory", ... for plans and messages.</summary>
    public string Describe()
    {
        if (Pending) return $"{Origin} @ {RequestedVersion ?? "default branch"} (not fetched yet)";
        if (Commit is null) return $"{Origin} ({Path})";
        var shortSha = Commit.Length > 12 ? Commit[..12] : Commit;
        return $"{Origin} @ {RequestedVersion ?? "default branch"} ({shortSha})";
    }
}
