using System.Collections.Concurrent;
using System.Text;
using Kraft.Host;

namespace Kraft.Kconfig;

/// <summary>
/// The text of the Kconfig files of one load, each read once (shared by the speculative scan and the parse).
/// With read-ahead, a background thread reads ahead of the parser: each file read is searched for literal
/// source statements (no macros, no globs), and the files they name are read next, in the order the parser
/// will want them (depth first). Only reading is done ahead; what is parsed, and in which order, does not change.
/// </summary>
internal sealed class KconfigFileCache
{
    readonly ConcurrentDictionary<string, Lazy<byte[]?>> files = new(StringComparer.Ordinal);
    readonly ReadAheadList? work;
    readonly Thread? readAhead;
    readonly string workDir;

    public KconfigFileCache(bool readAhead, string workingDirectory)
    {
        workDir = workingDirectory;
        if (!readAhead) return;
        var w = work = new ReadAheadList();
        this.readAhead = new Thread(() =>
        {
            while (w.TryTake(out var f))
                try { _ = Entry(f).Value; }
                catch (Exception) { /* the parser reads (and reports) the file itself */ }
        }) { IsBackground = true, Name = "kconfig-read-ahead" };
        this.readAhead.Start();
    }

    Lazy<byte[]?> Entry(string full) => files.GetOrAdd(full, f => new Lazy<byte[]?>(() => ReadNow(f)));

    /// <summary>The file's bytes, or null if it does not exist.</summary>
    public byte[]? Read(string full) => Entry(full).Value;

    /// <summary>No more reading ahead (the parse is over).</summary>
    public void Stop() => work?.Close();

    [ThreadStatic] static byte[]? buffer;

    /// <summary>The largest Kconfig file read (Linux's largest is under 100 KB); only regular files are read.</summary>
    public const long MaxFileBytes = 8 << 20;

    byte[]? ReadNow(string full)
    {
        var buf = buffer ??= new byte[1 << 16];
        int n = PosixFile.ReadAll(full, ref buf, MaxFileBytes);
        buffer = buf;
        if (n < 0) return null;
        var text = buf.AsSpan(0, n).ToArray();
        if (work is { } w) w.PushFront(SourcedFiles(full, text));
        return text;
    }

    /// <summary>The files named by literal source statements of <paramref name="text"/>, not read yet, in order.</summary>
    List<string> SourcedFiles(string full, byte[] text)
    {
        var found = new List<string>();
        var dir = Path.GetDirectoryName(full) ?? "/";
        var span = text.AsSpan();
        int i = 0;
        while (true)
        {
            int at = span[i..].IndexOf("source"u8);
            if (at < 0) break;
            int start = i + at;
            i = start + 6;
            // at the start of a line (after blanks), optionally r/o/or in front
            int b = start;
            bool relative = false;
            if (b > 0 && text[b - 1] == 'r') { relative = true; b--; }
            if (b > 0 && text[b - 1] == 'o') b--;
            while (b > 0 && text[b - 1] is (byte)' ' or (byte)'\t') b--;
            if (b > 0 && text[b - 1] != '\n') continue;
            int p = i;
            while (p < text.Length && text[p] is (byte)' ' or (byte)'\t') p++;
            if (p == i || p >= text.Length || text[p] != '"') continue;
            int end = span[(p + 1)..].IndexOf((byte)'"');
            if (end < 0) break;
            var path = span.Slice(p + 1, end);
            if (path.IndexOfAny("$*?[\\\n"u8) >= 0) continue;
            var name = Encoding.UTF8.GetString(path);
            var candidate = relative ? Path.GetFullPath(name, dir) : Path.GetFullPath(name, workDir);
            if (!files.ContainsKey(candidate)) found.Add(candidate);
        }
        return found;
    }

    /// <summary>
    /// The files to read ahead, the one the parser will want next first: a file's sources go in front of
    /// everything queued before, so the list follows the parser's depth-first walk.
    /// </summary>
    sealed class ReadAheadList
    {
        readonly LinkedList<string> items = new();
        bool closed;

        public void PushFront(List<string> names)
        {
            if (names.Count == 0) return;
            lock (items)
            {
                if (closed) return;
                var first = items.First;
                foreach (var n in names)
                    if (first is null) items.AddLast(n); else items.AddBefore(first, n);
                Monitor.Pulse(items);
            }
        }

        public bool TryTake(out string name)
        {
            lock (items)
            {
                while (items.Count == 0 && !closed) Monitor.Wait(items);
                if (closed) { name = ""; return false; }
                name = items.First!.Value;
                items.RemoveFirst();
                return true;
            }
        }

        public void Close()
        {
            lock (items) { closed = true; Monitor.PulseAll(items); }
        }
    }
}
