using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index;

/// <summary>
/// One entry of the user's list of sources (an index, a manifest, a git repository, a GitHub
/// organisation wildcard, a directory of checkouts), able to list the components it offers.
/// Listing is the only thing that touches the network during <c>kraft pkg update</c>.
/// </summary>
public interface IManifestSource
{
    /// <summary>The source exactly as the user wrote it (config entry), used as its identity in the cache.</summary>
    string Location { get; }
    /// <summary>A short word for listings: index, manifest, git, github, directory.</summary>
    string Kind { get; }
    /// <summary>Lists every component the source offers; throws KraftException with a clear message on failure.</summary>
    Task<IReadOnlyList<Manifest>> ListAsync(CancellationToken cancel);
}
