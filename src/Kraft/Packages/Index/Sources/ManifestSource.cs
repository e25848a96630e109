using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>
/// A YAML file or URL that is either one component manifest or an index; the content tells
/// (an index has a top-level <c>manifests:</c> list), so a remote file costs one GET and no HEAD.
/// </summary>
public sealed class ManifestSource(string location, SourceContext context) : IManifestSource
{
    string _kind = "manifest";

    public string Location { get; } = location;
    /// <summary>"manifest", or "index" once the listing found the file to be an index.</summary>
    public string Kind => _kind;

    public async Task<IReadOnlyList<Manifest>> ListAsync(CancellationToken cancel)
    {
        var where = ManifestText.Normalise(Location);
        var text = await ManifestText.ReadAsync(where, context, cancel).ConfigureAwait(false);
        var (index, manifest) = ManifestReader.ReadAny(text, where);
        if (index is not null)
        {
            _kind = "index";
            return await IndexSource.ExpandAsync(index, context, cancel).ConfigureAwait(false);
        }
        if (manifest!.Reference is null) return [manifest.Manifest];
        using var gate = new SemaphoreSlim(1);
        return [await IndexSource.FollowAsync(manifest, where, ManifestReferences.RootOf(where), context, gate, 0, cancel).ConfigureAwait(false)];
    }
}
