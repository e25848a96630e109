using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index;

/// <summary>
/// What <c>kraft pkg update</c> last learnt from every source, as stored in the cache. A source
/// that failed keeps the components of its last good listing, marked with the error, so one
/// broken source never makes the others (or its own earlier results) disappear.
/// </summary>
public sealed record IndexSnapshot
{
    public int Format { get; init; } = 1;
    public DateTimeOffset UpdatedAt { get; init; }
    public IReadOnlyList<SourceListing> Sources { get; init; } = [];
}

/// <summary>One configured source and what it listed.</summary>
public sealed record SourceListing
{
    /// <summary>The source as written in the configuration.</summary>
    public required string Location { get; init; }
    /// <summary>index, manifest, git, github or directory.</summary>
    public required string Kind { get; init; }
    /// <summary>When the components below were listed (null: never listed successfully).</summary>
    public DateTimeOffset? ListedAt { get; init; }
    /// <summary>The error of the last attempt, when it failed (the components are then from ListedAt).</summary>
    public string? Error { get; init; }
    public DateTimeOffset? FailedAt { get; init; }
    public IReadOnlyList<Manifest> Manifests { get; init; } = [];
}
