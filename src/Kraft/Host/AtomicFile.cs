using System.Collections.Concurrent;
using System.Text;

namespace Kraft.Host;

/// <summary>
/// Writes files so that a reader never sees half of one: the content goes to a temporary file in
/// the same directory, which is then renamed over the target (rename is atomic on one filesystem).
/// The temporary is private (0600) while it is written, so a copy of a file with secrets
/// (config.yaml's tokens) is never readable by others; the result gets the mode the target had
/// (or the usual one for a new file). Temporaries a killed kraft left in a directory are removed
/// the first time this process writes there (<see cref="TempName"/>).
/// </summary>
public static class AtomicFile
{
    const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    static readonly ConcurrentDictionary<string, bool> Swept = new(StringComparer.Ordinal);
    static readonly Lazy<UnixFileMode> NewFileMode = new(() => (UnixFileMode)(0b110_110_110 & ~ReadUmask()));

    /// <param name="durable">
    /// false for files that are remade from their inputs (build outputs): still never half-written, but not
    /// flushed to the disk before the rename, as make and conf write them (a flush costs ~10 ms here).
    /// </param>
    public static void WriteAllText(string path, string content, bool durable = true) =>
        WriteAllBytes(path, new UTF8Encoding(false).GetBytes(content), durable);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = TempPathBeside(full);
        try
        {
            using (var fs = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Private }))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: durable);
            }
            // The target's mode, or a new file's usual one (0666 less the umask).
            UnixFileMode mode;
            try { mode = File.GetUnixFileMode(full); }
            catch (IOException) { mode = NewFileMode.Value; }
            if (mode != Private) File.SetUnixFileMode(tmp, mode);
            Replace(tmp, full);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Replaces <paramref name="target"/> with an already written file, atomically (the file keeps its own mode).</summary>
    public static void Replace(string writtenTemp, string target) => File.Move(writtenTemp, target, overwrite: true);

    /// <summary>A fresh temporary path beside <paramref name="target"/>, so a later rename stays on one filesystem.</summary>
    public static string TempPathBeside(string target)
    {
        var tmp = TempName.Beside(target);
        var dir = Path.GetDirectoryName(tmp)!;
        if (Swept.TryAdd(dir, true))
            TempName.CleanStale(dir);
        return tmp;
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The process's umask, from /proc/self/status (reading it with umask(2) would change it for a moment).</summary>
    static int ReadUmask()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("Umask:", StringComparison.Ordinal))
                    return Convert.ToInt32(line[6..].Trim(), 8);
        }
        catch (IOException) { }
        return 0b000_010_010;
    }
}
