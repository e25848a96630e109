using System.Collections.Concurrent;
using System.Text;

namespace Kraft.Kconfig;

/// <summary>
/// The text of the Kconfig files of one load, each read once (shared by the speculative scan and the parse).
/// With prefetching, a background thread reads ahead: each file read is searched for literal source
/// statements (no macros, no globs) and the files they name are read before the parser asks for them.
/// Only reading is done ahead; what is parsed, and in which order, does not change.
/// </summary>
internal sealed class KconfigFileCache
{
    readonly ConcurrentDictionary<string, Lazy<string?>> files = new(StringComparer.Ordinal);
    BlockingCollection<string>? queue;
    readonly string workDir;

    public KconfigFileCache(bool prefetch, string workingDirectory)
    {
        workDir = workingDirectory;
        if (!prefetch) return;
        var q = queue = new BlockingCollection<string>();
        new Thread(() =>
        {
            try { foreach (var f in q.GetConsumingEnumerable()) _ = Entry(f).Value; }
            catch (Exception) { /* the parser reads (and reports) the file itself */ }
        }) { IsBackground = true, Name = "kconfig-read-ahead" }.Start();
    }

    Lazy<string?> Entry(string full) => files.GetOrAdd(full, f => new Lazy<string?>(() => ReadNow(f)));

    /// <summary>The file's text, or null if it does not exist.</summary>
    public string? Read(string full) => Entry(full).Value;

    /// <summary>No more reading ahead (the parse is over).</summary>
    public void Stop() => queue?.CompleteAdding();

    [ThreadStatic] static byte[]? buffer;

    string? ReadNow(string full)
    {
        string text;
        try
        {
            using var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            var buf = buffer ??= new byte[1 << 16];
            long len = fs.Length;
            if (len > int.MaxValue / 2) throw new IOException("file too large");
            if (buf.Length < len) buf = buffer = new byte[Math.Max(len, buf.Length * 2)];
            int n = 0;
            while (true)
            {
                if (n == buf.Length) { Array.Resize(ref buf, buf.Length * 2); buffer = buf; }
                int r = fs.Read(buf, n, buf.Length - n);
                if (r == 0) break;
                n += r;
            }
            text = Encoding.UTF8.GetString(buf, 0, n);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        if (queue is { IsAddingCompleted: false } q) ReadAhead(full, text, q);
        return text;
    }

    void ReadAhead(string full, string text, BlockingCollection<string> q)
    {
        var dir = Path.GetDirectoryName(full) ?? "/";
        int i = 0;
        while ((i = text.IndexOf("source", i, StringComparison.Ordinal)) >= 0)
        {
            int start = i;
            i += 6;
            // at the start of a line (after blanks), optionally r/o/or in front
            int b = start;
            bool relative = false;
            if (b > 0 && text[b - 1] == 'r') { relative = true; b--; }
            if (b > 0 && text[b - 1] == 'o') b--;
            while (b > 0 && text[b - 1] is ' ' or '\t') b--;
            if (b > 0 && text[b - 1] != '\n') continue;
            int p = i;
            while (p < text.Length && text[p] is ' ' or '\t') p++;
            if (p == i || p >= text.Length || text[p] != '"') continue;
            int end = text.IndexOf('"', p + 1);
            if (end < 0) return;
            var path = text.AsSpan(p + 1, end - p - 1);
            if (path.IndexOfAny("$*?[\\\n") >= 0) continue;
            var name = path.ToString();
            var candidate = relative ? Path.GetFullPath(name, dir) : Path.GetFullPath(name, workDir);
            if (files.ContainsKey(candidate)) continue;
            try { q.Add(candidate); } catch (InvalidOperationException) { return; }
        }
    }

    /// <summary>Queues a file (full path) to be read ahead.</summary>
    public void Hint(string full)
    {
        if (queue is { IsAddingCompleted: false } q && !files.ContainsKey(full))
            try { q.Add(full); } catch (InvalidOperationException) { }
    }
}
