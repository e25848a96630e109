namespace Kraft.Packages.Resolution;

/// <summary>
/// What a component resolved to, immutable: a git commit (with the ref it came from), an archive
/// with its SHA-256, or a local directory; and where that answer came from (the Kraftfile's own
/// <c>source:</c>, or an index source and the manifest it listed). This is what Kraftfile.lock records.
/// </summary>
public sealed record ResolvedSource
{
    public required SourceKind Kind { get; init; }
    /// <summary>The git URL, the archive URL, or the absolute directory.</summary>
    public required string Location { get; init; }
    /// <summary>The full commit (git).</summary>
    public string? Commit { get; init; }
    /// <summary>Lowercase hex SHA-256 of the archive (null until downloaded when nobody listed it).</summary>
    public string? Sha256 { get; init; }
    /// <summary>The channel, branch, tag or version it was resolved from ("stable", "v0.17.0"); null: the default branch.</summary>
    public string? Ref { get; init; }
    /// <summary>The index source (as configured) that listed the component; null when the Kraftfile named the source.</summary>
    public string? Index { get; init; }
    /// <summary>The manifest that matched ("lib/musl"), with the index source.</summary>
    public string? Manifest { get; init; }

    /// <summary>True when the answer names exact bytes (a commit, a digest, or a directory).</summary>
    public bool IsPinned => Kind switch
    {
        SourceKind.Git => Commit is not null,
        SourceKind.Archive => Sha256 is not null,
        _ => true,
    };

    public string Short => Kind switch
    {
        SourceKind.Git => Commit is null ? "?" : Commit[..Math.Min(12, Commit.Length)],
        SourceKind.Archive => Sha256 is null ? "sha256 unknown" : "sha256:" + Sha256[..Math.Min(12, Sha256.Length)],
        _ => "directory",
    };

    /// <summary>"git https://…/lib-musl.git @ stable (0123456789ab) via index https://…" for plans and messages.</summary>
    public string Describe()
    {
        var via = Index is null ? "" : $" via {Manifest ?? "index"} in {Index}";
        return Kind switch
        {
            SourceKind.Git => $"git {Location} @ {Ref ?? "default branch"} ({Short}){via}",
            SourceKind.Archive => $"archive {Location} ({Short}){via}",
            _ => $"local directory ({Location}){via}",
        };
    }

    /// <summary>What differs between two answers, for lock messages ("commit 0123abc → 4567def").</summary>
    public static string Difference(ResolvedSource before, ResolvedSource after)
    {
        var parts = new List<string>();
        if (before.Kind != after.Kind) parts.Add($"{KindName(before.Kind)} → {KindName(after.Kind)}");
        if (before.Location != after.Location) parts.Add($"{before.Location} → {after.Location}");
        if (before.Ref != after.Ref) parts.Add($"ref {before.Ref ?? "(default)"} → {after.Ref ?? "(default)"}");
        if (before.Commit != after.Commit) parts.Add($"commit {Abbrev(before.Commit)} → {Abbrev(after.Commit)}");
        if (before.Sha256 != after.Sha256 && after.Sha256 is not null) parts.Add($"sha256 {Abbrev(before.Sha256)} → {Abbrev(after.Sha256)}");
        if (before.Index != after.Index) parts.Add($"index {before.Index ?? "(none)"} → {after.Index ?? "(none)"}");
        return parts.Count == 0 ? "unchanged" : string.Join(", ", parts);
    }

    /// <summary>Same bytes and same provenance (an archive whose digest was unknown matches its now known digest).</summary>
    public bool SameAs(ResolvedSource other) =>
        Kind == other.Kind && Location == other.Location && Ref == other.Ref && Commit == other.Commit
        && Index == other.Index && (Sha256 == other.Sha256 || Sha256 is null || other.Sha256 is null);

    public static string KindName(SourceKind k) => k switch
    {
        SourceKind.Git => "git",
        SourceKind.Archive => "archive",
        _ => "directory",
    };

    static string Abbrev(string? s) => s is null ? "(none)" : s[..Math.Min(12, s.Length)];
}
