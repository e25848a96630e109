namespace Kraft.Oci;

/// <summary>One image found locally: read whole, or the reason it could not be (a damaged entry is named, the others still listed).</summary>
public sealed record CatalogEntry(ImageRef Reference, Descriptor Root, string From, StoredImage? Image, string? Error, IBlobSource Source);

/// <summary>
/// Every image on this machine, from kraft's store first and then KraftKit's directory store
/// (read-only; an image in both is shown once, from kraft's).
/// </summary>
public sealed class ImageCatalog
{
    public OciStore? Store { get; }
    public KraftKitStore? KraftKit { get; }

    public ImageCatalog(OciStore? store, KraftKitStore? kraftKit)
    {
        Store = store;
        KraftKit = kraftKit;
    }

    /// <summary>The stores at their default places (nothing is created).</summary>
    public static ImageCatalog Default() => new(OciStore.OpenExisting(), KraftKitStore.OpenExisting());

    public IReadOnlyList<CatalogEntry> List(Action<string>? bad = null)
    {
        var result = new List<CatalogEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (Store is not null)
            foreach (var e in Store.List(bad))
                if (seen.Add(e.Reference.ToString())) result.Add(Read(Store, e, "kraft"));
        if (KraftKit is not null)
            foreach (var e in KraftKit.List(bad))
                if (seen.Add(e.Reference.ToString())) result.Add(Read(KraftKit, e, "kraftkit"));
        return result;
    }

    /// <summary>The image <paramref name="r"/> names, or null when neither store has it.</summary>
    public CatalogEntry? Find(ImageRef r)
    {
        var text = r.ToString();
        if (Store?.Find(r) is { } mine) return Read(Store, mine, "kraft");
        if (KraftKit?.List().FirstOrDefault(e => e.Reference.ToString() == text) is { } theirs) return Read(KraftKit, theirs, "kraftkit");
        return null;
    }

    static CatalogEntry Read(IBlobSource source, StoreEntry e, string from)
    {
        try
        {
            return new CatalogEntry(e.Reference, e.Descriptor, from, StoredImage.Read(source, e.Reference, e.Descriptor, from), null, source);
        }
        catch (Exception x) when (x is KraftException or IOException or UnauthorizedAccessException)
        {
            return new CatalogEntry(e.Reference, e.Descriptor, from, null, x.Message, source);
        }
    }
}
