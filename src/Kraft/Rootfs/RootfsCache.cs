using System.Security.Cryptography;

namespace Kraft.Rootfs;

/// <summary>
/// Archives kept by content: the key is the SHA-256 of the archive <see cref="CpioWriter"/> would
/// write, computed by writing it into a hash (reading the tree once, writing nothing). An
/// unchanged tree therefore finds its archive again; a changed one gets a new file. The oldest
/// archives beyond <see cref="MaxEntries"/> are removed.
/// </summary>
public sealed class RootfsCache(string directory)
{
    public const int MaxEntries = 32;

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>$XDG_CACHE_HOME/kraftkit/rootfs, else ~/.cache/kraftkit/rootfs.</summary>
    public static string DefaultDirectory()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x
            ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "kraftkit", "rootfs");
    }

    /// <summary>The SHA-256 (hex) of the archive of <paramref name="entries"/>.</summary>
    public static string KeyOf(IReadOnlyList<CpioEntry> entries, CancellationToken cancel = default)
    {
        using var hash = new HashingStream();
        CpioWriter.Write(hash, entries, cancel);
        return hash.Hex();
    }

    /// <summary>The cached archive for <paramref name="entries"/>, written first when missing.</summary>
    public (string Path, bool Hit) GetOrWrite(IReadOnlyList<CpioEntry> entries, CancellationToken cancel = default)
    {
        var key = KeyOf(entries, cancel);
        var path = Path.Combine(Directory, key + ".cpio");
        if (File.Exists(path))
        {
            try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            return (path, true);
        }
        System.IO.Directory.CreateDirectory(Directory);
        CpioWriter.WriteFile(path, entries, cancel);
        Prune();
        return (path, false);
    }

    void Prune()
    {
        try
        {
            var files = new DirectoryInfo(Directory).GetFiles("*.cpio").OrderByDescending(f => f.LastWriteTimeUtc).Skip(MaxEntries);
            foreach (var f in files) Host.AtomicFile.TryDelete(f.FullName);
        }
        catch (IOException) { }
    }

    /// <summary>A write-only stream that only hashes what it is given.</summary>
    sealed class HashingStream : Stream
    {
        readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public string Hex() => Convert.ToHexStringLower(_hash.GetHashAndReset());
        public override void Write(ReadOnlySpan<byte> buffer) => _hash.AppendData(buffer);
        public override void Write(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
