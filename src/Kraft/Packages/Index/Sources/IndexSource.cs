using Kraft.Packages.Manifests;

namespace Kraft.Packages.Index.Sources;

/// <summary>
/// An index (<c>index.yaml</c>) on disk or over http(s): its entries are inline manifests or
/// references (<c>manifest: ./libs/lwip.yaml</c>) resolved against the index's own location and
/// fetched in parallel (at most <see cref="MaxParallelFetches"/> at a time). A reference that
/// leaves the index's directory or host is refused.
/// </summary>
public sealed class IndexSource(string location, SourceContext context) : IManifestSource
{
    /// <summary>How many manifest files are fetched at once.</summary>
    public const int MaxParallelFetches = 16;
    /// <summary>How many indirections (a manifest that points to another) are followed.</summary>
    const int MaxHops = 4;

    public string Location { get; } = location;
    public string Kind => "index";

    public async Task<IReadOnlyList<Manifest>> ListAsync(CancellationToken cancel)
    {
        var where = ManifestText.Normalise(Location);
        var text = await ManifestText.ReadAsync(where, context, cancel).ConfigureAwait(false);
        return await ExpandAsync(ManifestReader.ReadIndex(text, where), context, cancel).ConfigureAwait(false);
    }

    /// <summary>Every component of a read index, references followed, in the index's order.</summary>
    internal static async Task<IReadOnlyList<Manifest>> ExpandAsync(IndexDocument index, SourceContext context, CancellationToken cancel)
    {
        var root = ManifestReferences.RootOf(index.Location);
        using var gate = new SemaphoreSlim(MaxParallelFetches);
        var tasks = index.Entries.Select(e => e.Reference is null
            ? Task.FromResult(e.Manifest)
            : FollowAsync(e, index.Location, root, context, gate, 0, cancel)).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch when (tasks.Any(t => t.IsFaulted))
        {
            var errors = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToList();
            var first = errors[0];
            if (errors.Count == 1 || first is not KraftException k) throw first;
            throw new KraftException($"{k.Message} (and {errors.Count - 1} more manifest{(errors.Count > 2 ? "s" : "")} of this index failed)",
                k.Location, k.Hint, inner: k);
        }
        return tasks.Select(t => t.Result).ToList();
    }

    /// <summary>Follows a stub's reference to the manifest file it names (which may point on again).</summary>
    internal static async Task<Manifest> FollowAsync(ManifestFile stub, string from, string root, SourceContext context,
        SemaphoreSlim gate, int hops, CancellationToken cancel)
    {
        var target = ManifestReferences.Resolve(from, root, stub.Reference!, stub.ReferenceAt ?? stub.At);
        if (hops >= MaxHops)
            throw new KraftException($"manifest references of {stub.Manifest.Id} nest more than {MaxHops} deep (a loop?)", stub.ReferenceAt,
                "point the index entry straight at the manifest file");
        string text;
        await gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            text = await ManifestText.ReadAsync(target, context, cancel).ConfigureAwait(false);
        }
        catch (KraftException e) when (e.Location is null)
        {
            throw new KraftException($"{stub.Manifest.Id}: {e.Message}", stub.ReferenceAt, e.Hint, inner: e);
        }
        finally
        {
            gate.Release();
        }
        var file = ManifestReader.ReadManifest(text, target);
        if (file.Manifest.Type != stub.Manifest.Type || file.Manifest.Name != stub.Manifest.Name)
            throw new KraftException(
                $"the index entry says {stub.Manifest.Id} but the manifest it points to describes {file.Manifest.Id}", file.At,
                $"make the entry at {stub.At} and the manifest agree on name and type");
        if (file.Reference is null) return file.Manifest;
        return await FollowAsync(file, target, root, context, gate, hops + 1, cancel).ConfigureAwait(false);
    }
}
