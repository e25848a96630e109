using System.Text.Json;
using System.Text.Json.Serialization;
using Kraft.Host;

namespace Kraft.Packages.Index;

/// <summary>
/// The local copy of the component index in the manifests directory (<c>paths.manifests</c>):
/// <c>index.json</c> is Kraft.NET's snapshot, read by every command that resolves components.
/// It is replaced atomically, and writers hold <c>.lock</c>, so two kraft processes never mix
/// their results and a crash leaves the previous snapshot intact.
/// </summary>
public sealed class IndexStore(string manifestsDir)
{
    public string Directory { get; } = Path.GetFullPath(manifestsDir);
    public string SnapshotPath => Path.Combine(Directory, "index.json");
    public string LockPath => Path.Combine(Directory, ".lock");

    /// <summary>The stored snapshot, or null when the index was never updated on this machine.</summary>
    public IndexSnapshot? Load()
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(SnapshotPath); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        try
        {
            return JsonSerializer.Deserialize(bytes, PackagesJson.Default.IndexSnapshot)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new KraftException($"the component index cache is damaged: {IoErrors.Describe(e, SnapshotPath)}",
                hint: "run 'kraft pkg update' to rebuild it");
        }
    }

    /// <summary>Replaces the snapshot atomically. Callers hold <see cref="Lock"/>.</summary>
    public void Save(IndexSnapshot snapshot) =>
        AtomicFile.WriteAllBytes(SnapshotPath, JsonSerializer.SerializeToUtf8Bytes(snapshot, PackagesJson.Default.IndexSnapshot));

    /// <summary>Takes the cache's write lock, waiting for another kraft that holds it.</summary>
    public FileLock Lock(IReporter reporter, CancellationToken cancel) =>
        FileLock.Acquire(LockPath, "the component index cache", reporter, cancel);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = false)]
[JsonSerializable(typeof(IndexSnapshot))]
internal sealed partial class PackagesJson : JsonSerializerContext;
