using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>A GitHub organisation wildcard (https://github.com/unikraft/lib-*), listed through the REST API. (Skeleton.)</summary>
public sealed class GitHubOrgSource(string location, SourceContext context) : IManifestSource
{
    public string Location { get; } = location;
    public string Kind => "github";
    public Task<IReadOnlyList<Manifest>> ListAsync(CancellationToken cancel) => throw new NotImplementedException();
}
