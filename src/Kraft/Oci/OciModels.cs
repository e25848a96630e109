using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kraft.Oci;

/// <summary>The media types kraft reads and writes (formats.md §4.1).</summary>
public static class MediaTypes
{
    public const string Index = "application/vnd.oci.image.index.v1+json";
    public const string Manifest = "application/vnd.oci.image.manifest.v1+json";
    public const string Config = "application/vnd.oci.image.config.v1+json";
    public const string LayerTar = "application/vnd.oci.image.layer.v1.tar";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";

    public static bool IsIndex(string? t) => t is Index or DockerManifestList;
    public static bool IsManifest(string? t) => t is Manifest or DockerManifest;
    public static bool IsUncompressedLayer(string? t) => t is LayerTar or DockerLayerTar;
    /// <summary>What a registry is told kraft accepts when it asks for a manifest.</summary>
    public const string Accept = Index + ", " + Manifest + ", " + DockerManifestList + ", " + DockerManifest;
}

/// <summary>The annotation keys KraftKit writes and reads (formats.md §4.3).</summary>
public static class Annotations
{
    public const string KraftKitVersion = "sh.kraftkit.version";
    public const string ImageName = "org.unikraft.image.name";
    public const string KernelVersion = "org.unikraft.kernel.version";
    public const string RefName = "org.opencontainers.image.ref.name";
    public const string Created = "org.opencontainers.image.created";
    public const string ContainerdName = "io.containerd.image.name";
    public const string KernelLayer = "org.unikraft.kernel.image";
    public const string InitrdLayer = "org.unikraft.kernel.initrd";
    /// <summary>The KraftKit version kraft writes as its compatibility marker (the value is never checked).</summary>
    public const string CompatibleVersion = "0.9.2";
}

/// <summary>The well-known layer paths (formats.md §4.2): anything else in a layer is refused.</summary>
public static class WellKnownPaths
{
    public const string Kernel = "/unikraft/bin/kernel";
    public const string KernelDebug = "/unikraft/bin/kernel.dbg";
    public const string Initrd = "/unikraft/bin/initrd";
    public static readonly string[] All = [Kernel, KernelDebug, Initrd];
}

public sealed record OciPlatform
{
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "";
    [JsonPropertyName("os")] public string Os { get; init; } = "";
    [JsonPropertyName("os.version")] public string? OsVersion { get; init; }
    [JsonPropertyName("os.features")] public List<string>? OsFeatures { get; init; }
    [JsonPropertyName("variant")] public string? Variant { get; init; }

    public override string ToString() => $"{Os}/{Architecture}";
}

public sealed record Descriptor
{
    [JsonPropertyName("mediaType")] public string MediaType { get; init; } = "";
    [JsonPropertyName("digest")] public string DigestText { get; init; } = "";
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("urls")] public List<string>? Urls { get; init; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
    [JsonPropertyName("platform")] public OciPlatform? Platform { get; init; }
    [JsonPropertyName("artifactType")] public string? ArtifactType { get; init; }

    [JsonIgnore] public Digest Digest => Digest.Parse(DigestText, $"digest of a {MediaType} descriptor");
    public string? Annotation(string key) => Annotations?.GetValueOrDefault(key);
}

public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; } = MediaTypes.Index;
    [JsonPropertyName("manifests")] public List<Descriptor> Manifests { get; init; } = [];
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}

public sealed record ImageManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; } = MediaTypes.Manifest;
    [JsonPropertyName("config")] public Descriptor Config { get; init; } = new();
    [JsonPropertyName("layers")] public List<Descriptor> Layers { get; init; } = [];
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}

public sealed record ImageConfig
{
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "";
    [JsonPropertyName("os")] public string Os { get; init; } = "";
    [JsonPropertyName("os.version")] public string? OsVersion { get; init; }
    [JsonPropertyName("os.features")] public List<string>? OsFeatures { get; init; }
    [JsonPropertyName("config")] public ImageRunConfig? Config { get; init; }
    [JsonPropertyName("rootfs")] public ImageRootfs? Rootfs { get; init; }
}

public sealed record ImageRunConfig
{
    [JsonPropertyName("Cmd")] public List<string>? Cmd { get; init; }
    [JsonPropertyName("Entrypoint")] public List<string>? Entrypoint { get; init; }
    [JsonPropertyName("Env")] public List<string>? Env { get; init; }
    [JsonPropertyName("Labels")] public Dictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; init; }
}

public sealed record ImageRootfs
{
    [JsonPropertyName("type")] public string Type { get; init; } = "layers";
    [JsonPropertyName("diff_ids")] public List<string> DiffIds { get; init; } = [];
}

/// <summary>Only the field that tells an index from a manifest, read before anything else.</summary>
public sealed record MediaTypeProbe
{
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; }
    [JsonPropertyName("manifests")] public JsonElement? Manifests { get; init; }
    [JsonPropertyName("layers")] public JsonElement? Layers { get; init; }
}

public sealed record OciLayoutFile
{
    [JsonPropertyName("imageLayoutVersion")] public string ImageLayoutVersion { get; init; } = "1.0.0";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 32)]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(MediaTypeProbe))]
[JsonSerializable(typeof(OciLayoutFile))]
internal sealed partial class OciJsonContext : JsonSerializerContext;

/// <summary>
/// Reading and writing OCI JSON. Written JSON is canonical: compact, object keys sorted
/// ordinally, no nulls, so the same content always gives the same bytes and the same digest.
/// Reading is bounded (size checked by the caller, depth 32) and any malformed document becomes
/// a KraftException naming what it was.
/// </summary>
public static class OciJson
{
    public static byte[] Canonical(ImageIndex v) => Canonical(JsonSerializer.SerializeToElement(v, OciJsonContext.Default.ImageIndex));
    public static byte[] Canonical(ImageManifest v) => Canonical(JsonSerializer.SerializeToElement(v, OciJsonContext.Default.ImageManifest));
    public static byte[] Canonical(ImageConfig v) => Canonical(JsonSerializer.SerializeToElement(v, OciJsonContext.Default.ImageConfig));
    public static byte[] Canonical(OciLayoutFile v) => Canonical(JsonSerializer.SerializeToElement(v, OciJsonContext.Default.OciLayoutFile));

    static byte[] Canonical(JsonElement e)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Write(w, e);
        return ms.ToArray();
    }

    static void Write(Utf8JsonWriter w, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    w.WritePropertyName(p.Name);
                    Write(w, p.Value);
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in e.EnumerateArray()) Write(w, item);
                w.WriteEndArray();
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }

    public static ImageIndex ReadIndex(ReadOnlySpan<byte> json, string what) => Read(json, OciJsonContext.Default.ImageIndex, what);
    public static ImageManifest ReadManifest(ReadOnlySpan<byte> json, string what) => Read(json, OciJsonContext.Default.ImageManifest, what);
    public static ImageConfig ReadConfig(ReadOnlySpan<byte> json, string what) => Read(json, OciJsonContext.Default.ImageConfig, what);

    /// <summary>The media type of a manifest document: its own field, else guessed from its shape (both are allowed by the spec).</summary>
    public static string? SniffMediaType(ReadOnlySpan<byte> json, string what)
    {
        var probe = Read(json, OciJsonContext.Default.MediaTypeProbe, what);
        return probe.MediaType ?? (probe.Manifests is not null ? MediaTypes.Index : probe.Layers is not null ? MediaTypes.Manifest : null);
    }

    static T Read<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new KraftException($"{what} is empty (null)");
        }
        catch (JsonException e)
        {
            throw new KraftException($"{what} is not valid JSON of its kind: {e.Message}", hint: "the image is damaged; pull it again, or remove it with kraft pkg rm", inner: e);
        }
    }
}
