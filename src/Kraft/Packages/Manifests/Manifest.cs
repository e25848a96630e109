namespace Kraft.Packages.Manifests;

/// <summary>
/// One component as an index describes it, in KraftKit's manifest format
/// (shared/reference/formats.md §1.2): where it comes from, its channels (moving branches such
/// as stable and staging) and its versions (tags, release numbers, commits).
/// </summary>
public sealed record Manifest
{
    public required string Name { get; init; }
    public required ComponentType Type { get; init; }
    public string? Description { get; init; }
    /// <summary>Where the component lives: a git repository URL, a remote YAML URL or a directory.</summary>
    public string? Origin { get; init; }
    /// <summary>KraftKit's provider name (manifest, index, github, git, dir), kept for compatibility.</summary>
    public string? Provider { get; init; }
    public IReadOnlyList<ManifestChannel> Channels { get; init; } = [];
    public IReadOnlyList<ManifestVersion> Versions { get; init; } = [];
    /// <summary>The file or URL this manifest was read from (an index, a manifest file), when it came from one.</summary>
    public string? ListedFrom { get; init; }

    /// <summary>"lib/musl", as kraft prints components.</summary>
    public string Id => $"{Type.Name()}/{Name}";

    /// <summary>The first channel marked default, or null (such a component needs an explicit version).</summary>
    public ManifestChannel? DefaultChannel => Channels.FirstOrDefault(c => c.Default);
}

/// <summary>A moving line of development (a branch): stable, staging, or a directory's "default".</summary>
public sealed record ManifestChannel
{
    public required string Name { get; init; }
    public bool Default { get; init; }
    public string? Latest { get; init; }
    /// <summary>A tarball URL, a git repository URL, or a local directory.</summary>
    public required string Resource { get; init; }
    /// <summary>Lowercase hex SHA-256 of the resource, when it is an archive and the index knows it.</summary>
    public string? Sha256 { get; init; }
    /// <summary>The commit the branch pointed at when the source was listed (git sources; a Kraft.NET addition).</summary>
    public string? Commit { get; init; }
}

/// <summary>A fixed version: a tag (semver) or a commit (gitsha), optionally tied to a Unikraft release.</summary>
public sealed record ManifestVersion
{
    public required string Version { get; init; }
    public required string Resource { get; init; }
    public string? Sha256 { get; init; }
    /// <summary>"semver" or "gitsha" (or null when the manifest does not say).</summary>
    public string? Type { get; init; }
    /// <summary>The Unikraft release this version belongs to (e.g. 0.17.0).</summary>
    public string? Unikraft { get; init; }
    /// <summary>The full commit of a tag (git sources; a Kraft.NET addition).</summary>
    public string? Commit { get; init; }
}
