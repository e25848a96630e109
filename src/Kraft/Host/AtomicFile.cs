using System.Text;

namespace Kraft.Host;

/// <summary>
/// Writes files so that a reader never sees half of one: the content goes to a temporary file in
/// the same directory, which is then renamed over the target (rename is atomic on one filesystem).
/// </summary>
public static class AtomicFile
{
    /// <param name="durable">
    /// false for files that are remade from their inputs (build outputs): still never half-written, but not
    /// flushed to the disk before the rename, as make and conf write them (a flush costs ~10 ms here).
    /// </param>
    public static void WriteAllText(string path, string content, bool durable = true) =>
        WriteAllBytes(path, new UTF8Encoding(false).GetBytes(content), durable);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: durable);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Replaces <paramref name="target"/> with an already written file, atomically.</summary>
    public static void Replace(string writtenTemp, string target) => File.Move(writtenTemp, target, overwrite: true);

    /// <summary>A fresh temporary path beside <paramref name="target"/>, so a later rename stays on one filesystem.</summary>
    public static string TempPathBeside(string target)
    {
        var full = Path.GetFullPath(target);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
