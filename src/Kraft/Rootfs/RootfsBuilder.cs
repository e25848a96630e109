using Kraft.Host;

namespace Kraft.Rootfs;

/// <summary>What a rootfs source is.</summary>
public enum RootfsSourceKind
{
    /// <summary>A cpio archive, used as it is.</summary>
    Cpio,
    /// <summary>A host directory, archived by <see cref="CpioWriter"/>.</summary>
    Directory,
    /// <summary>A Dockerfile, built with buildah or podman, whose filesystem is archived.</summary>
    Dockerfile,
}

/// <summary>The initrd a rootfs source became.</summary>
/// <param name="CpioPath">The archive to hand to the guest (a cache entry, the given cpio, or the requested output).</param>
/// <param name="Cached">The archive already existed for this exact content; nothing was written.</param>
public sealed record RootfsResult(string CpioPath, RootfsSourceKind Kind, bool Cached, long Bytes);

/// <summary>
/// Turns a Kraftfile's <c>rootfs:</c> or <c>--rootfs</c> (a directory, a cpio archive or a
/// Dockerfile) into a cpio initrd. Directories and Dockerfile builds are archived by kraft itself
/// and cached by content (<see cref="RootfsCache"/>).
/// </summary>
public sealed class RootfsBuilder(IReporter reporter, string cacheDirectory)
{
    public const string DockerfileHint = "a rootfs is a directory, a cpio (newc) archive, or a Dockerfile";

    public RootfsCache Cache { get; } = new(cacheDirectory);

    /// <summary>The name KraftKit gives the initrd it builds beside the kernel: .unikraft/build/initramfs-&lt;arch&gt;.cpio.</summary>
    public static string InitramfsFileName(string arch) => $"initramfs-{arch}.cpio";

    /// <summary>What <paramref name="source"/> is; a clear error when it is none of the three.</summary>
    public static RootfsSourceKind Detect(string source, SourceLocation? location = null)
    {
        if (System.IO.Directory.Exists(source)) return RootfsSourceKind.Directory;
        if (!File.Exists(source))
            throw new KraftException($"rootfs {source} does not exist", location, DockerfileHint);
        if (CpioWriter.LooksLikeCpio(source)) return RootfsSourceKind.Cpio;
        if (IsDockerfile(source)) return RootfsSourceKind.Dockerfile;
        throw new KraftException($"rootfs {source} is neither a cpio (newc) archive nor a Dockerfile", location, DockerfileHint);
    }

    /// <summary>A Dockerfile by name (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*), or by a first instruction FROM or ARG.</summary>
    public static bool IsDockerfile(string path)
    {
        var name = Path.GetFileName(path);
        if (name is "Dockerfile" or "Containerfile" || name.EndsWith(".Dockerfile", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".Containerfile", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Dockerfile.", StringComparison.Ordinal) || name.StartsWith("Containerfile.", StringComparison.Ordinal))
            return true;
        var info = new FileInfo(path);
        if (info.Length > 1 << 20) return false;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var word = line.Split([' ', '\t'], 2)[0];
            return word.Equals("FROM", StringComparison.OrdinalIgnoreCase) || word.Equals("ARG", StringComparison.OrdinalIgnoreCase);
        }
        return false;
    }

    /// <summary>The cpio archive for <paramref name="source"/>: the file itself for a cpio, a cache entry otherwise.</summary>
    public RootfsResult Resolve(string source, SourceLocation? location = null, CancellationToken cancel = default)
    {
        var full = Path.GetFullPath(source);
        var kind = Detect(full, location);
        switch (kind)
        {
            case RootfsSourceKind.Cpio:
                return new RootfsResult(full, kind, Cached: true, new FileInfo(full).Length);
            case RootfsSourceKind.Directory:
                return Archive(full, kind, cancel);
            default:
                var exported = Path.Combine(Cache.Directory, "build", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
                try
                {
                    ContainerBuild.Export(full, exported, Path.Combine(Cache.Directory, "containers"), reporter, cancel);
                    return Archive(exported, kind, cancel);
                }
                finally
                {
                    try { if (System.IO.Directory.Exists(exported)) System.IO.Directory.Delete(exported, recursive: true); }
                    catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
        }
    }

    /// <summary>
    /// Resolves <paramref name="source"/> and places the archive at <paramref name="output"/>
    /// (atomically; untouched when it already has the same bytes), as `kraft build` does with
    /// .unikraft/build/initramfs-&lt;arch&gt;.cpio.
    /// </summary>
    public RootfsResult BuildInto(string source, string output, SourceLocation? location = null, CancellationToken cancel = default)
    {
        var r = Resolve(source, location, cancel);
        var target = Path.GetFullPath(output);
        if (r.CpioPath == target) return r;
        if (File.Exists(target) && SameBytes(r.CpioPath, target)) return r with { CpioPath = target, Cached = true };
        var tmp = AtomicFile.TempPathBeside(target);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            File.Copy(r.CpioPath, tmp);
            AtomicFile.Replace(tmp, target);
        }
        catch
        {
            AtomicFile.TryDelete(tmp);
            throw;
        }
        return r with { CpioPath = target, Cached = false };
    }

    RootfsResult Archive(string dir, RootfsSourceKind kind, CancellationToken cancel)
    {
        var entries = DirectoryTree.Scan(dir, reporter, cancel);
        var (path, hit) = Cache.GetOrWrite(entries, cancel);
        return new RootfsResult(path, kind, hit, new FileInfo(path).Length);
    }

    static bool SameBytes(string a, string b)
    {
        var fa = new FileInfo(a);
        var fb = new FileInfo(b);
        if (fa.Length != fb.Length) return false;
        using var sa = fa.OpenRead();
        using var sb = fb.OpenRead();
        var ba = new byte[65536];
        var bb = new byte[65536];
        while (true)
        {
            var n = sa.ReadAtLeast(ba, ba.Length, throwOnEndOfStream: false);
            var m = sb.ReadAtLeast(bb, bb.Length, throwOnEndOfStream: false);
            if (n != m || !ba.AsSpan(0, n).SequenceEqual(bb.AsSpan(0, m))) return false;
            if (n == 0) return true;
        }
    }
}
