using System.Text;

namespace Kraft.Machines;

/// <summary>Reads a machine's console log: all of it, or following it until the machine has ended.</summary>
public static class ConsoleLogs
{
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Hands the console log to <paramref name="write"/> chunk by chunk. With <paramref name="follow"/>
    /// it keeps reading while the machine is live (checked through <paramref name="controller"/>), then
    /// drains what is left; it also ends on <paramref name="cancel"/>.
    /// </summary>
    public static void Copy(MachineController controller, Machine machine, Action<ReadOnlySpan<byte>> write, bool follow, CancellationToken cancel)
    {
        var buf = new byte[64 * 1024];
        FileStream? fs = null;
        try
        {
            var lastCheck = DateTime.MinValue;
            var live = follow;
            while (!cancel.IsCancellationRequested)
            {
                if (fs is null && File.Exists(machine.Files.ConsoleLog))
                {
                    try { fs = new FileStream(machine.Files.ConsoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
                    catch (FileNotFoundException) { }
                }
                var n = fs?.Read(buf, 0, buf.Length) ?? 0;
                if (n > 0)
                {
                    write(buf.AsSpan(0, n));
                    continue;
                }
                if (!live) return;
                if (DateTime.UtcNow - lastCheck > TimeSpan.FromMilliseconds(100))
                {
                    lastCheck = DateTime.UtcNow;
                    var now = controller.Store.Refresh(machine);
                    // Once it has ended, one more pass drains what was written before the end.
                    live = now is not null && controller.Observe(now).Status.State is not (MachineState.Exited or MachineState.Failed or MachineState.Created);
                    if (!live) continue;
                }
                cancel.WaitHandle.WaitOne(PollInterval);
            }
        }
        finally
        {
            fs?.Dispose();
        }
    }

    /// <summary>Splits chunks into lines and prefixes each with <paramref name="prefix"/> (for several machines at once).</summary>
    public sealed class LinePrefixer(string prefix, Action<string> writeLine)
    {
        readonly StringBuilder _partial = new();

        public void Write(ReadOnlySpan<byte> chunk)
        {
            foreach (var ch in Encoding.UTF8.GetString(chunk))
            {
                if (ch == '\n')
                {
                    writeLine(prefix + _partial.ToString().TrimEnd('\r'));
                    _partial.Clear();
                }
                else if (_partial.Length < 64 * 1024) _partial.Append(ch);
            }
        }

        public void Flush()
        {
            if (_partial.Length > 0) writeLine(prefix + _partial);
            _partial.Clear();
        }
    }
}
