using System.Globalization;
using System.Text;

namespace Kraft.Host;

/// <summary>
/// An exclusive advisory lock on a file (flock on Linux through FileShare.None), held until
/// disposed. The kernel drops it when the process dies, so a killed kraft never leaves a stale
/// lock behind. The holder writes who it is into the file (pid, command, start time), so a
/// process that has to wait can say for whom.
/// </summary>
public sealed class FileLock : IDisposable
{
    readonly FileStream _stream;
    FileLock(FileStream stream) => _stream = stream;

    /// <summary>How long a waiter gives a new holder to write who it is before saying it waits anyway.</summary>
    static readonly TimeSpan HolderGrace = TimeSpan.FromMilliseconds(300);

    /// <summary>Acquires the lock, telling the user once if another process holds it and waiting.</summary>
    public static FileLock Acquire(string path, string what, IReporter reporter, CancellationToken cancel)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var told = false;
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                try
                {
                    var me = Encoding.UTF8.GetBytes(Describe());
                    stream.SetLength(0);
                    stream.Write(me);
                    stream.Flush();
                }
                catch (IOException) { } // who holds it is only for messages
                return new FileLock(stream);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (!told && (ReadHolder(path) is not null || waiting.Elapsed > HolderGrace))
                {
                    var who = ReadHolder(path);
                    reporter.Info(who is null
                        ? $"waiting for another kraft to finish with {what} (lock {path})"
                        : $"waiting for process {who} to finish with {what}");
                    told = true;
                }
                cancel.WaitHandle.WaitOne(50);
            }
        }
    }

    /// <summary>"1234 (kraft build, started 12:01:02)": the pid, the command (its first words only: no URL or token), the start time.</summary>
    static string Describe()
    {
        var args = Environment.GetCommandLineArgs();
        var words = args.Skip(1).TakeWhile(a => a.Length > 0 && char.IsAsciiLetter(a[0]) && a.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')).Take(2);
        var command = string.Join(' ', new[] { "kraft" }.Concat(words));
        DateTime started;
        try { started = System.Diagnostics.Process.GetCurrentProcess().StartTime; }
        catch (InvalidOperationException) { started = DateTime.Now; }
        return $"{Environment.ProcessId} ({command}, started {started.ToString("HH:mm:ss", CultureInfo.InvariantCulture)})\n";
    }

    /// <summary>What the holder wrote, if it is there and looks like <see cref="Describe"/>'s line.</summary>
    static string? ReadHolder(string path)
    {
        var buffer = new byte[256];
        try
        {
            var n = PosixFile.ReadAll(path, ref buffer);
            if (n <= 0 || n > 200) return null;
            var text = Encoding.UTF8.GetString(buffer, 0, n).Trim();
            return text.Length > 0 && char.IsAsciiDigit(text[0]) && text.EndsWith(')') && !text.Contains('\n') ? text : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public void Dispose() => _stream.Dispose();
}
