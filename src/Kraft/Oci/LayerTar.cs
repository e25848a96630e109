using System.Formats.Tar;
using System.Security.Cryptography;
using Kraft.Host;

namespace Kraft.Oci;

/// <summary>
/// The layers of a unikernel image: an uncompressed tar with one regular file at a well-known
/// path (formats.md §4.2). Written reproducibly (name without the leading '/', uid and gid 0, no
/// user or group names, times zero, the source file's mode); read refusing anything but the
/// well-known paths, so a layer can never write outside the folder it is unpacked into.
/// </summary>
public static class LayerTar
{
    /// <summary>Writes the layer for <paramref name="source"/> at <paramref name="wellKnownPath"/> into the store; returns its descriptor.</summary>
    public static Descriptor Write(OciStore store, string source, string wellKnownPath, Dictionary<string, string>? annotations)
    {
        var tmp = store.NewTempBlobPath();
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using (var tar = new TarWriter(file, TarEntryFormat.Ustar, leaveOpen: true))
                {
                    var mode = OperatingSystem.IsWindows() ? (UnixFileMode)0b110_100_100 : File.GetUnixFileMode(source);
                    var entry = new UstarTarEntry(TarEntryType.RegularFile, wellKnownPath.TrimStart('/'))
                    {
                        Mode = mode & (UnixFileMode)0b111_111_111,
                        Uid = 0,
                        Gid = 0,
                        UserName = "",
                        GroupName = "",
                        ModificationTime = DateTimeOffset.UnixEpoch,
                    };
                    using var content = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                    entry.DataStream = content;
                    tar.WriteEntry(entry);
                }
                file.Flush(flushToDisk: false);
            }
            var (digest, size) = store.IngestFile(tmp);
            return new Descriptor { MediaType = MediaTypes.LayerTar, DigestText = digest.ToString(), Size = size, Annotations = annotations };
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    /// <summary>
    /// Extracts the one file of a layer to <paramref name="destination"/>/&lt;well-known path&gt;
    /// and returns the well-known path it was at. Other entries (directories, other paths, links,
    /// "..") are refused with the layer's digest named.
    /// </summary>
    public static string Extract(string layerPath, Digest layer, string destination)
    {
        using var file = new FileStream(layerPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var tar = new TarReader(file);
        string? found = null;
        try
        {
            while (tar.GetNextEntry() is { } entry)
            {
                var name = "/" + entry.Name.TrimStart('.').TrimStart('/');
                if (entry.EntryType is TarEntryType.Directory && WellKnownPaths.All.Any(p => p.StartsWith(name.TrimEnd('/') + "/", StringComparison.Ordinal)))
                    continue;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !WellKnownPaths.All.Contains(name))
                    throw new KraftException($"layer {layer} holds {Names.Quote(entry.Name)} ({entry.EntryType}): a unikernel layer holds one file at {string.Join(", ", WellKnownPaths.All)}",
                        hint: "this is not a unikernel image kraft can run, or it is damaged");
                if (found is not null)
                    throw new KraftException($"layer {layer} holds more than one file ({found} and {name})", hint: "a unikernel layer holds exactly one file");
                var target = ContainedPath.Combine(destination, name.TrimStart('/').Split('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var tmp = AtomicFile.TempPathBeside(target);
                try
                {
                    entry.ExtractToFile(tmp, overwrite: false);
                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, (entry.Mode & (UnixFileMode)0b111_101_101) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    AtomicFile.Replace(tmp, target);
                }
                finally { AtomicFile.TryDelete(tmp); }
                found = name;
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new KraftException($"layer {layer} is not a valid tar archive: {e.Message}", hint: "remove the image with kraft pkg rm and pull it again", inner: e);
        }
        return found ?? throw new KraftException($"layer {layer} is empty", hint: "a unikernel layer holds one file");
    }

    /// <summary>The hex SHA-256 of a file (tests and checks).</summary>
    public static Digest DigestOf(string path)
    {
        using var f = File.OpenRead(path);
        return Digest.FromHash(SHA256.HashData(f));
    }
}
