namespace Kraft.Oci.Registry;

/// <summary>Which platforms a pull takes: one (os + architecture), or all.</summary>
public sealed record PlatformFilter(string? Os, string? Architecture, bool All)
{
    public bool Matches(OciPlatform? p) => All || p is not null && (Os is null || p.Os == Os) && (Architecture is null || p.Architecture == Architecture);
    public override string ToString() => All ? "all platforms" : $"{Os ?? "*"}/{Architecture ?? "*"}";
}

/// <summary>What a pull or push did, for the CLI to print.</summary>
public sealed record TransferResult(ImageRef Reference, Digest Digest, IReadOnlyList<string> Platforms, int Blobs, long Bytes, IReadOnlyList<string> Log);

/// <summary>
/// Pull and push between the local store and a registry. A pull verifies every digest before
/// anything is stored and records the reference only once every blob is in, so an interrupted
/// or failed pull leaves nothing half-written (partial downloads wait in ingest/ to be
/// continued). The remote index is kept byte for byte (its digest is the registry's); a pull of
/// some platforms stores only their manifests. A push sends blobs first (skipping those the
/// registry has, mounting those another repository of the same registry has), then manifests
/// by digest, then the index under its tag, each byte for byte.
/// </summary>
public sealed class ImageTransfer(OciStore store, Func<string, RegistryClient> clients)
{
    public async Task<TransferResult> PullAsync(ImageRef reference, PlatformFilter filter, IProgress<long>? progress, CancellationToken cancel)
    {
        var client = clients(reference.Registry);
        var repo = reference.Repository;
        byte[] bytes;
        string mediaType;
        Digest digest;
        try
        {
            (bytes, mediaType, digest) = await client.GetManifestAsync(repo, reference.ManifestReference, cancel).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.Status == System.Net.HttpStatusCode.NotFound && reference.Tag is { } tag)
        {
            var tags = await client.ListTagsAsync(repo, cancel).ConfigureAwait(false);
            throw new KraftException($"{reference} does not exist: {reference.Registry}/{repo} has no tag {Names.Quote(tag)}",
                hint: tags.Count > 0 ? $"its tags are: {string.Join(", ", tags.Take(20))}{(tags.Count > 20 ? ", …" : "")}" : $"{reference.Registry}/{repo} has no tags; check the name");
        }
        var log = new List<string>();
        var blobs = new List<(Descriptor Blob, byte[]? Json)>();
        var platforms = new List<string>();
        long total = 0;
        if (MediaTypes.IsIndex(mediaType))
        {
            var index = OciJson.ReadIndex(bytes, $"{reference}'s index {digest}");
            var manifests = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType)).ToList();
            var unikernels = manifests.Where(m => m.Annotation(Annotations.KraftKitVersion) is not null || m.Platform?.Os is not ("linux" or "windows" or null)).ToList();
            if (unikernels.Count == 0)
                throw new KraftException($"{reference} is not a unikernel image: its index lists {(manifests.Count == 0 ? "no manifests" : string.Join(", ", manifests.Select(m => m.Platform?.ToString() ?? "?")))} and no KraftKit marker ({Annotations.KraftKitVersion})",
                    hint: "a plain container image cannot be run as a unikernel; use it as a rootfs with a runtime");
            var chosen = unikernels.Where(m => filter.Matches(m.Platform)).ToList();
            if (chosen.Count == 0)
                throw new KraftException($"{reference} has no image for {filter}; it has: {string.Join(", ", unikernels.Select(m => m.Platform?.ToString() ?? "?"))}",
                    hint: "pick one with --plat and --arch, or take all with --all-platforms");
            foreach (var m in chosen)
            {
                var (mb, _) = await PullManifestAsync(client, reference, m.Digest, blobs, progress, cancel).ConfigureAwait(false);
                total += mb;
                platforms.Add(m.Platform?.ToString() ?? "?");
            }
        }
        else if (MediaTypes.IsManifest(mediaType))
        {
            var (mb, platform) = await PullManifestBytesAsync(client, reference, bytes, digest, blobs, progress, cancel).ConfigureAwait(false);
            total += mb;
            platforms.Add(platform);
        }
        else
            throw new KraftException($"{reference} ({digest}) is a {Names.Quote(mediaType)}, not an OCI image index or manifest", hint: "kraft pulls unikernel images only");
        foreach (var (blob, json) in blobs.Where(b => b.Json is not null))
            store.WriteBlob(json!, blob.MediaType);
        var root = store.WriteBlob(bytes, mediaType);
        store.SetReference(reference, root);
        return new TransferResult(reference, digest, platforms, blobs.Count + 1, total, log);
    }

    async Task<(long Bytes, string Platform)> PullManifestAsync(RegistryClient client, ImageRef reference, Digest manifestDigest,
        List<(Descriptor, byte[]?)> blobs, IProgress<long>? progress, CancellationToken cancel)
    {
        var (bytes, mediaType, digest) = await client.GetManifestAsync(reference.Repository, manifestDigest.ToString(), cancel).ConfigureAwait(false);
        if (!MediaTypes.IsManifest(mediaType))
            throw new KraftException($"{reference}: {manifestDigest} is listed as a manifest but is a {Names.Quote(mediaType)}", hint: "the image is malformed");
        return await PullManifestBytesAsync(client, reference, bytes, digest, blobs, progress, cancel).ConfigureAwait(false);
    }

    async Task<(long Bytes, string Platform)> PullManifestBytesAsync(RegistryClient client, ImageRef reference, byte[] bytes, Digest digest,
        List<(Descriptor, byte[]?)> blobs, IProgress<long>? progress, CancellationToken cancel)
    {
        var manifest = OciJson.ReadManifest(bytes, $"{reference}'s manifest {digest}");
        var config = await client.GetSmallBlobAsync(reference.Repository, manifest.Config, reference.ToString(), cancel).ConfigureAwait(false);
        var parsed = OciJson.ReadConfig(config, $"{reference}'s config {manifest.Config.DigestText}");
        var kernel = manifest.Layers.Any(l => l.Annotation(Annotations.KernelLayer) is not null);
        if (!kernel && parsed.Os is "linux" or "windows")
            throw new KraftException($"{reference} is not a unikernel image: it is a container image for {parsed.Os}/{parsed.Architecture} (no {WellKnownPaths.Kernel} layer)",
                hint: "a plain container image cannot be run as a unikernel; use it as a rootfs with a runtime");
        foreach (var l in manifest.Layers)
            if (!MediaTypes.IsUncompressedLayer(l.MediaType))
                throw new KraftException($"{reference}: layer {l.DigestText} is a {Names.Quote(l.MediaType)}; kraft reads uncompressed tar layers only (as KraftKit writes them)",
                    hint: "repackage the image without compression (skopeo copy --preserve-digests keeps layers as they are)");
        long total = 0;
        await Parallel.ForEachAsync(manifest.Layers, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancel }, async (l, c) =>
            await client.DownloadBlobAsync(reference.Repository, l, store, reference.ToString(), progress, c).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (var l in manifest.Layers) { blobs.Add((l, null)); total += l.Size; }
        blobs.Add((manifest.Config, config));
        blobs.Add((new Descriptor { MediaType = MediaTypes.Manifest, DigestText = digest.ToString(), Size = bytes.Length }, bytes));
        return (total, $"{parsed.Os}/{parsed.Architecture}");
    }

    /// <summary>Pushes a stored image to the registry of <paramref name="target"/> (by default its own reference).</summary>
    public async Task<TransferResult> PushAsync(ImageRef source, ImageRef target, IProgress<long>? progress, CancellationToken cancel)
    {
        var entry = store.Find(source) ?? throw new KraftException($"no image {source} in the local store", hint: "package it with kraft pkg --name REF, or pull it");
        var image = StoredImage.Read(store, source, entry.Descriptor, "kraft");
        var missing = image.Platforms.Where(p => !p.Present).ToList();
        if (missing.Count > 0)
            throw new KraftException($"{source} is only partly in the store: {string.Join(", ", missing.Select(p => p.Platform.ToString()))} not pulled, so its index cannot be pushed whole",
                hint: $"pull them first: kraft pkg pull {source} --all-platforms");
        var client = clients(target.Registry);
        var repo = target.Repository;
        var mounts = MountSources(target, entry);
        var log = new List<string>();
        var blobs = image.Platforms.SelectMany(p => p.Manifest!.Layers.Append(p.Manifest.Config)).DistinctBy(d => d.DigestText).ToList();
        long total = 0;
        await Parallel.ForEachAsync(blobs, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancel }, async (b, c) =>
        {
            var how = await client.UploadBlobAsync(repo, b, store.BlobPath(b.Digest), mounts.GetValueOrDefault(b.DigestText) ?? [], c).ConfigureAwait(false);
            lock (log) { log.Add($"{b.DigestText} {how}"); if (how.StartsWith("uploaded", StringComparison.Ordinal)) total += b.Size; }
            progress?.Report(b.Size);
        }).ConfigureAwait(false);
        var rootBytes = File.ReadAllBytes(store.BlobPath(entry.Descriptor.Digest));
        if (MediaTypes.IsIndex(entry.Descriptor.MediaType))
            foreach (var p in image.Platforms)
                await client.PutManifestAsync(repo, p.Descriptor.DigestText, store.ReadJsonBlob(p.Descriptor.Digest, "manifest"), p.Descriptor.MediaType, cancel).ConfigureAwait(false);
        await client.PutManifestAsync(repo, target.ManifestReference, rootBytes, entry.Descriptor.MediaType, cancel).ConfigureAwait(false);
        if (target.ToString() != source.ToString() && target.Digest is null) store.SetReference(target, entry.Descriptor);
        return new TransferResult(target, entry.Descriptor.Digest, image.Platforms.Select(p => p.Platform.ToString()).ToList(), blobs.Count + image.Platforms.Count + 1, total, log);
    }

    /// <summary>For each blob of the image, the other repositories of the same registry (known from the store) that hold it.</summary>
    Dictionary<string, List<string>> MountSources(ImageRef target, StoreEntry self)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var other in store.List())
        {
            if (other.Reference.Registry != target.Registry || other.Reference.Repository == target.Repository) continue;
            var reach = new HashSet<string>(StringComparer.Ordinal);
            try { store.Reachable(other.Descriptor, reach); } catch (KraftException) { continue; }
            foreach (var d in reach)
            {
                if (!result.TryGetValue(d, out var list)) result[d] = list = [];
                if (!list.Contains(other.Reference.Repository)) list.Add(other.Reference.Repository);
            }
        }
        return result;
    }
}
