using Kraft.Oci.Registry;

namespace Kraft.Oci;

/// <summary>What <c>kraft run REF</c> boots: the unpacked kernel (and initrd), and the image's cmd and env.</summary>
public sealed record ResolvedPackage(ImageRef Reference, Digest Manifest, string Platform, string Architecture,
    string KernelPath, string? InitrdPath, IReadOnlyList<string> Cmd, IReadOnlyList<KeyValuePair<string, string>> Env, bool Pulled)
{
    /// <summary>The kernel's layer and the file holding it, so a package built on this image can reuse it byte for byte.</summary>
    public Descriptor? KernelLayer { get; init; }
    public string? KernelLayerBlob { get; init; }
    /// <summary>The image's kconfig (os.features, CONFIG_X=v), or null.</summary>
    public IReadOnlyList<string>? Features { get; init; }
}

/// <summary>
/// The library entry point for running an image: find it locally (kraft's store, then
/// KraftKit's), pull it when absent, pick the manifest for the platform and architecture, and
/// unpack its kernel and initrd. Unpacked files are kept per manifest digest (content
/// addressed, so they can never be stale) in <paramref name="unpackRoot"/> or
/// $XDG_CACHE_HOME/kraft/oci-unpacked, so a second run starts as fast as a kernel file.
/// </summary>
public static class PackageRunner
{
    public static string DefaultUnpackRoot(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        if (env("KRAFT_OCI_DIR") is { Length: > 0 } oci) return Path.Combine(Path.GetFullPath(oci), "unpacked");
        var cache = env("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "kraft", "oci-unpacked");
    }

    /// <summary>The .config text for an image's os.features (KEY=value lines, sorted), or null when it records none.</summary>
    public static string? KconfigText(IReadOnlyList<string>? features)
    {
        if (features is null) return null;
        var lines = features.Where(f => f.StartsWith("CONFIG_", StringComparison.Ordinal) && f.IndexOf('=') > 0 && !f.Contains('\n'))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        return lines.Count == 0 ? null : string.Join('\n', lines) + "\n";
    }

    /// <summary>Pulls <paramref name="reference"/> (the platforms <paramref name="filter"/> takes) into kraft's store; returns its entry there.</summary>
    public static CatalogEntry Pull(ImageRef reference, PlatformFilter filter, RegistrySettings settings, CredentialResolver credentials, CancellationToken cancel = default)
    {
        var store = OciStore.Open();
        var opened = new List<RegistryClient>();
        try
        {
            new ImageTransfer(store, r => { var c = new RegistryClient(r, settings, credentials.Find(r)); lock (opened) opened.Add(c); return c; })
                .PullAsync(reference, filter, null, cancel).GetAwaiter().GetResult();
        }
        finally { foreach (var c in opened) c.Dispose(); }
        return new ImageCatalog(store, null).Find(reference) ?? throw new KraftException($"{reference} was pulled but is not in the store", hint: "run kraft pkg ls --oci");
    }

    public static ResolvedPackage Resolve(ImageRef reference, string platform, string architecture, RegistrySettings settings,
        CredentialResolver credentials, string? unpackRoot = null, CancellationToken cancel = default)
    {
        var catalog = ImageCatalog.Default();
        var entry = catalog.Find(reference);
        var pulled = false;
        if (entry?.Image is { } present && present.Platforms.Any(p => p.Platform.Os == platform && p.Platform.Architecture == architecture && p.Present)) { }
        else
        {
            entry = Pull(reference, new PlatformFilter(platform, architecture, false), settings, credentials, cancel);
            pulled = true;
        }
        if (entry.Image is null) throw new KraftException($"{reference}: {entry.Error}", hint: $"remove it with kraft pkg rm {reference} and pull it again");
        var chosen = entry.Image.Select(platform, architecture);
        var manifestDigest = chosen.Descriptor.Digest;
        var dir = Host.ContainedPath.Combine(unpackRoot ?? DefaultUnpackRoot(), manifestDigest.Hex);
        string? kernel = null, initrd = null;
        Descriptor? kernelLayer = null;
        foreach (var layer in chosen.Manifest!.Layers)
        {
            var known = layer.Annotation(Annotations.KernelLayer) ?? layer.Annotation(Annotations.InitrdLayer);
            if (known is null) continue; // the debug kernel is not needed to run
            var target = Path.Combine(dir, known.TrimStart('/'));
            var marker = target + ".from";
            if (!(File.Exists(target) && File.Exists(marker) && File.ReadAllText(marker) == layer.DigestText))
            {
                var found = LayerTar.Extract(entry.Source.BlobPath(layer.Digest), layer.Digest, dir);
                if (found != known)
                    throw new KraftException($"{reference}: layer {layer.DigestText} is annotated {known} but holds {found}", hint: "the image is malformed; package it again");
                Host.AtomicFile.WriteAllText(marker, layer.DigestText);
            }
            if (known == WellKnownPaths.Kernel) { kernel = target; kernelLayer = layer; } else initrd = target;
        }
        // The image's kconfig (os.features) beside the kernel, where ImageKconfig.ForKernel
        // looks, so the run mounts the initrd as / through vfs.fstab as KraftKit does when the
        // image enables CONFIG_LIBVFSCORE_AUTOMOUNT_UP (or the older CONFIG_LIBVFSCORE_FSTAB).
        var features = chosen.Config?.OsFeatures ?? chosen.Platform.OsFeatures;
        if (kernel is not null && KconfigText(features) is { } kconfigText)
        {
            var kconfigPath = kernel + ".config";
            if (!File.Exists(kconfigPath) || File.ReadAllText(kconfigPath) != kconfigText) Host.AtomicFile.WriteAllText(kconfigPath, kconfigText);
        }
        var config = chosen.Config!.Config;
        var env = (config?.Env ?? []).Select(e => e.IndexOf('=') is var i and > 0 ? new KeyValuePair<string, string>(e[..i], e[(i + 1)..]) : new KeyValuePair<string, string>(e, ""))
            .ToList();
        return new ResolvedPackage(reference, manifestDigest, platform, architecture, kernel!, initrd,
            (config?.Entrypoint ?? []).Concat(config?.Cmd ?? []).ToList(), env, pulled)
        {
            KernelLayer = kernelLayer,
            KernelLayerBlob = kernelLayer is null ? null : entry.Source.BlobPath(kernelLayer.Digest),
            Features = features,
        };
    }
}
