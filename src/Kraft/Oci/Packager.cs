using System.Globalization;

namespace Kraft.Oci;

/// <summary>
/// One kernel to package: its platform, architecture and files, and the .config it was built with.
/// <paramref name="KernelLayer"/> (with the file <paramref name="KernelLayerBlob"/> holding it) reuses a
/// runtime image's kernel layer as it is, so the new image shares it byte for byte.
/// </summary>
public sealed record PackageTarget(string Platform, string Architecture, string KernelPath,
    string? DebugKernelPath = null, IReadOnlyDictionary<string, string>? Kconfig = null,
    Descriptor? KernelLayer = null, string? KernelLayerBlob = null);

/// <summary>What <c>kraft pkg</c> packages under one reference.</summary>
public sealed record PackageRequest
{
    public required ImageRef Reference { get; init; }
    public required IReadOnlyList<PackageTarget> Targets { get; init; }
    /// <summary>A CPIO file for /unikraft/bin/initrd (the same for every target), or null.</summary>
    public string? InitrdPath { get; init; }
    public IReadOnlyList<string> Cmd { get; init; } = [];
    /// <summary>K=V entries, in order.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>The creation time written into the annotations: fixed, so the same inputs give the same digests.</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UnixEpoch;
}

/// <summary>
/// Packages kernels as one OCI image index with one manifest per target, in KraftKit's format
/// (formats.md §4.1-4.4): uncompressed single-file layers, config with os = platform and
/// architecture = Unikraft arch, kconfig in os.features, sh.kraftkit.version on the index and on
/// each manifest descriptor. Every JSON document is canonical and the creation time fixed
/// (SOURCE_DATE_EPOCH, else 1970-01-01), so packaging the same inputs twice gives the same digests.
/// </summary>
public static class Packager
{
    /// <summary>The creation time: $SOURCE_DATE_EPOCH (seconds) when set, else the Unix epoch.</summary>
    public static DateTimeOffset CreationTime(string? sourceDateEpoch)
    {
        if (string.IsNullOrWhiteSpace(sourceDateEpoch)) return DateTimeOffset.UnixEpoch;
        if (!long.TryParse(sourceDateEpoch, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s > 253402300799)
            throw new KraftException($"SOURCE_DATE_EPOCH={Names.Quote(sourceDateEpoch)} is not a number of seconds since 1970",
                hint: "set it to e.g. $(git log -1 --format=%ct), or unset it");
        return DateTimeOffset.FromUnixTimeSeconds(s);
    }

    /// <summary>os.features: every set option of the .config as CONFIG_X=value, sorted, without CONFIG_UK_APP and CONFIG_UK_BASE (as KraftKit).</summary>
    public static List<string> Features(IReadOnlyDictionary<string, string>? kconfig) =>
        kconfig is null ? [] : kconfig
            .Where(kv => kv.Value != "n" && kv.Key is not ("CONFIG_UK_APP" or "CONFIG_UK_BASE"))
            .Select(kv => $"{kv.Key}={kv.Value}").Distinct().Order(StringComparer.Ordinal).ToList();

    public static Descriptor Package(OciStore store, PackageRequest request)
    {
        if (request.Targets.Count == 0) throw new KraftException($"nothing to package as {request.Reference}", hint: "build a target first, or give --kernel with --plat and --arch");
        var dup = request.Targets.GroupBy(t => (t.Platform, t.Architecture)).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new KraftException($"two targets for {dup.Key.Platform}/{dup.Key.Architecture} in one image", hint: "pick one with -t");
        foreach (var t in request.Targets)
            if (!File.Exists(t.KernelPath)) throw new KraftException($"kernel {t.KernelPath} does not exist", hint: $"build it first: kraft build -t {t.Platform}/{t.Architecture}");
        if (request.InitrdPath is { } initrd && !File.Exists(initrd)) throw new KraftException($"initrd {initrd} does not exist", hint: "give an existing CPIO file with --rootfs");
        foreach (var e in request.Env)
            if (!e.Contains('=') || e.StartsWith('=')) throw new KraftException($"environment entry {Names.Quote(e)} is not K=V", hint: "write --env NAME=value");

        var reference = request.Reference;
        var name = reference.Name;
        var created = request.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Descriptor? initrdLayer = request.InitrdPath is { } i
            ? LayerTar.Write(store, i, WellKnownPaths.Initrd, new() { [Annotations.InitrdLayer] = WellKnownPaths.Initrd })
            : null;
        var descriptors = new List<Descriptor>();
        foreach (var t in request.Targets.OrderBy(t => t.Platform, StringComparer.Ordinal).ThenBy(t => t.Architecture, StringComparer.Ordinal))
        {
            var layers = new List<Descriptor>
            {
                t.KernelLayer is { } reuse && t.KernelLayerBlob is { } blob
                    ? Reuse(store, reuse, blob)
                    : LayerTar.Write(store, t.KernelPath, WellKnownPaths.Kernel, new() { [Annotations.KernelLayer] = WellKnownPaths.Kernel }),
            };
            if (t.DebugKernelPath is { } dbg)
            {
                if (!File.Exists(dbg)) throw new KraftException($"debug kernel {dbg} does not exist", hint: "build with debug symbols, or drop --dbg");
                layers.Add(LayerTar.Write(store, dbg, WellKnownPaths.KernelDebug, null));
            }
            if (initrdLayer is not null) layers.Add(initrdLayer);
            var features = Features(t.Kconfig);
            var version = t.Kconfig?.GetValueOrDefault("CONFIG_UK_FULLVERSION");
            var platform = new OciPlatform
            {
                Architecture = t.Architecture, Os = t.Platform,
                OsVersion = version, OsFeatures = features.Count > 0 ? features : null,
            };
            var config = new ImageConfig
            {
                Architecture = t.Architecture, Os = t.Platform, OsVersion = version, OsFeatures = platform.OsFeatures,
                Config = new ImageRunConfig
                {
                    Cmd = request.Cmd.Count > 0 ? request.Cmd.ToList() : null,
                    Env = request.Env.Count > 0 ? request.Env.ToList() : null,
                    Labels = request.Labels.Count > 0 ? new Dictionary<string, string>(request.Labels) : null,
                },
                Rootfs = new ImageRootfs { DiffIds = layers.Select(l => l.DigestText).ToList() },
            };
            var configDescriptor = store.WriteBlob(OciJson.Canonical(config), MediaTypes.Config, platform: platform);
            var annotations = new Dictionary<string, string>
            {
                [Annotations.ImageName] = name,
                [Annotations.RefName] = name,
                [Annotations.Created] = created,
                [Annotations.KraftKitVersion] = Annotations.CompatibleVersion,
                [Annotations.ContainerdName] = reference.ToString(),
            };
            if (version is not null) annotations[Annotations.KernelVersion] = version;
            var manifest = new ImageManifest { Config = configDescriptor, Layers = layers, Annotations = annotations };
            descriptors.Add(store.WriteBlob(OciJson.Canonical(manifest), MediaTypes.Manifest, annotations, platform));
        }
        var index = new ImageIndex
        {
            Manifests = descriptors,
            Annotations = new()
            {
                [Annotations.RefName] = name,
                [Annotations.KraftKitVersion] = Annotations.CompatibleVersion,
                [Annotations.ContainerdName] = reference.ToString(),
            },
        };
        var root = store.WriteBlob(OciJson.Canonical(index), MediaTypes.Index, index.Annotations);
        store.SetReference(reference, root);
        return root;
    }

    /// <summary>A layer of another image (maybe in KraftKit's store) copied into this store unchanged, digest-checked.</summary>
    static Descriptor Reuse(OciStore store, Descriptor layer, string blobPath)
    {
        if (!store.HasBlob(layer))
        {
            if (!File.Exists(blobPath)) throw new KraftException($"the runtime's kernel layer {layer.DigestText} is missing ({blobPath})", hint: "pull the runtime again");
            var tmp = store.NewTempBlobPath();
            try
            {
                File.Copy(blobPath, tmp);
                store.IngestFile(tmp, layer.Digest, layer.Size, "the runtime's kernel layer");
            }
            finally { Host.AtomicFile.TryDelete(tmp); }
        }
        return new Descriptor
        {
            MediaType = layer.MediaType, DigestText = layer.DigestText, Size = layer.Size,
            Annotations = new() { [Annotations.KernelLayer] = WellKnownPaths.Kernel },
        };
    }
}
