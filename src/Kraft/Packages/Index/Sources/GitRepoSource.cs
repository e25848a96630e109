using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>A git repository: branches become channels, tags versions, through git ls-remote. (Skeleton.)</summary>
public sealed class GitRepoSource(string location, SourceContext context) : IManifestSource
{
    public string Location { get; } = location;
    public string Kind => "git";
    public Task<IReadOnlyList<Manifest>> ListAsync(CancellationToken cancel) => throw new NotImplementedException();
}
