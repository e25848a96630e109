namespace Kraft.Oci;

/// <summary>Where blobs are read from: kraft's store, or KraftKit's directory store.</summary>
public interface IBlobSource
{
    string BlobPath(Digest d);
    bool HasBlob(Digest d);
    /// <summary>A small JSON blob, size-checked and digest-verified.</summary>
    byte[] ReadJsonBlob(Digest d, string what);
}

/// <summary>One platform of an image: the index's descriptor, and (when its blobs are here) the manifest and config.</summary>
public sealed record ImagePlatform(Descriptor Descriptor, OciPlatform Platform, ImageManifest? Manifest, ImageConfig? Config)
{
    public bool Present => Manifest is not null && Config is not null;
    public long LayerBytes => Manifest?.Layers.Sum(l => l.Size) ?? 0;
    public Descriptor? Layer(string wellKnownPath) => Manifest?.Layers.FirstOrDefault(l =>
        l.Annotation(wellKnownPath == WellKnownPaths.Kernel ? Annotations.KernelLayer : Annotations.InitrdLayer) == wellKnownPath);
}

/// <summary>An image read from a blob source: its platforms, and whether it is a unikernel at all.</summary>
public sealed record StoredImage(ImageRef Reference, Descriptor Root, IReadOnlyList<ImagePlatform> Platforms, string From)
{
    /// <summary>Reads an image's index (or single manifest) and, for each platform, the manifest and config when present.</summary>
    public static StoredImage Read(IBlobSource source, ImageRef reference, Descriptor root, string from)
    {
        var digest = root.Digest;
        var platforms = new List<ImagePlatform>();
        var bytes = source.ReadJsonBlob(digest, $"{reference}'s {(MediaTypes.IsIndex(root.MediaType) ? "index" : "manifest")}");
        if (MediaTypes.IsIndex(root.MediaType) || MediaTypes.IsIndex(OciJson.SniffMediaType(bytes, reference.ToString())))
        {
            var index = OciJson.ReadIndex(bytes, $"{reference}'s index {digest}");
            foreach (var m in index.Manifests)
            {
                if (!MediaTypes.IsManifest(m.MediaType) || !Digest.TryParse(m.DigestText, out var md)) continue;
                ImageManifest? manifest = null;
                ImageConfig? config = null;
                if (source.HasBlob(md))
                {
                    manifest = OciJson.ReadManifest(source.ReadJsonBlob(md, "manifest"), $"manifest {md} of {reference}");
                    if (source.HasBlob(manifest.Config.Digest))
                        config = OciJson.ReadConfig(source.ReadJsonBlob(manifest.Config.Digest, "config"), $"config {manifest.Config.DigestText} of {reference}");
                }
                var platform = m.Platform ?? (config is null ? new OciPlatform() : new OciPlatform { Os = config.Os, Architecture = config.Architecture, OsFeatures = config.OsFeatures, OsVersion = config.OsVersion });
                platforms.Add(new ImagePlatform(m, platform, manifest, config));
            }
        }
        else
        {
            var manifest = OciJson.ReadManifest(bytes, $"{reference}'s manifest {digest}");
            var config = source.HasBlob(manifest.Config.Digest)
                ? OciJson.ReadConfig(source.ReadJsonBlob(manifest.Config.Digest, "config"), $"config {manifest.Config.DigestText} of {reference}")
                : null;
            var platform = manifest.Config.Platform ?? (config is null ? new OciPlatform() : new OciPlatform { Os = config.Os, Architecture = config.Architecture, OsFeatures = config.OsFeatures, OsVersion = config.OsVersion });
            platforms.Add(new ImagePlatform(root, platform, manifest, config));
        }
        return new StoredImage(reference, root, platforms, from);
    }

    /// <summary>
    /// The platform to run or unpack: os and architecture must match (KraftKit's rule, formats.md
    /// §4.4), and every kconfig selector must be among its os.features. A plain container image
    /// (os linux, no unikernel layer) is named as such.
    /// </summary>
    public ImagePlatform Select(string platform, string architecture, IReadOnlyList<string>? kconfig = null)
    {
        var match = Platforms.FirstOrDefault(p => p.Platform.Os == platform && p.Platform.Architecture == architecture
            && (kconfig is null || kconfig.All(k => p.Platform.OsFeatures?.Contains(k) == true)));
        if (match is null)
        {
            if (Platforms.Count > 0 && Platforms.All(p => p.Platform.Os is "linux" or "windows"))
                throw NotUnikernel();
            var there = Platforms.Count == 0 ? "none" : string.Join(", ", Platforms.Select(p => p.Platform.ToString()));
            throw new KraftException($"{Reference} has no image for {platform}/{architecture}; it has: {there}",
                hint: "pick one of those with --plat and --arch");
        }
        if (!match.Present)
            throw new KraftException($"{Reference} for {match.Platform} is not in the store (only its index is)",
                hint: $"pull it: kraft pkg pull {Reference} --plat {platform} --arch {architecture}");
        if (match.Layer(WellKnownPaths.Kernel) is null)
            throw NotUnikernel();
        return match;
    }

    KraftException NotUnikernel() => new($"{Reference} is not a unikernel image: it has no layer at {WellKnownPaths.Kernel}" +
        (Platforms.Count > 0 ? $" (platforms: {string.Join(", ", Platforms.Select(p => p.Platform.ToString()))})" : ""),
        hint: "a plain container image cannot be run as a unikernel; use a runtime (e.g. unikraft.org/base) with it as rootfs");
}
