using System.Diagnostics;
using Kraft.Host;

namespace Kraft.Cli.Rendering;

/// <summary>
/// Renders library events. On a terminal: one live status line (step, libraries done/total,
/// elapsed, current tool line) redrawn in place, with tool output hidden. Elsewhere (CI, pipes):
/// plain lines, including the tools' own output, so logs show everything.
/// </summary>
public sealed class ConsoleReporter : IReporter, IDisposable
{
    readonly bool _live;
    readonly bool _verbose;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly object _gate = new();
    string? _step;
    string _lastLine = "";
    long _lastDrawMs = -1000;

    public ConsoleReporter(bool verbose = false)
    {
        _live = Terminal.IsInteractiveOutput && !verbose;
        _verbose = verbose;
    }

    public void Info(string message) { lock (_gate) { ClearLine(); Console.Out.WriteLine(message); } }

    public void Warn(string message) { lock (_gate) { ClearLine(); Console.Error.WriteLine("warning: " + message); } }

    public void Progress(string step, int done, int total, string? detail = null)
    {
        lock (_gate)
        {
            if (!_live)
            {
                if (step != _step) Console.Out.WriteLine(step);
                _step = step;
                return;
            }
            if (step != _step) { _step = step; _clock.Restart(); _lastDrawMs = -1000; }
            // Redraw at most every 50 ms: make can print thousands of lines a second.
            var now = _clock.ElapsedMilliseconds;
            if (now - _lastDrawMs < 50 && detail is not null) return;
            _lastDrawMs = now;
            var libs = total > 0 ? $" [{done}/{total} libraries]" : done > 0 ? $" [{done} libraries]" : "";
            var line = $"{step}{libs} {_clock.Elapsed:mm\\:ss}  {detail}";
            var width = Math.Max(20, SafeWidth() - 1);
            if (line.Length > width) line = line[..width];
            Console.Out.Write("\r" + line.PadRight(Math.Min(width, Math.Max(line.Length, _lastLine.Length))));
            _lastLine = line;
        }
    }

    public void ToolOutput(string line, bool isError)
    {
        if (_live) return;
        lock (_gate)
        {
            (isError ? Console.Error : Console.Out).WriteLine(line);
            if (line.Trim().Length > 0) LastToolLine = line;
        }
    }

    /// <summary>The last non-blank tool line printed as plain output (so a failure does not print make's tail a second time).</summary>
    public static volatile string? LastToolLine;

    /// <summary>Ends the live line, leaving the final state of the step on screen.</summary>
    public void Done(string message)
    {
        lock (_gate)
        {
            ClearLine();
            Console.Out.WriteLine(message);
            _step = null;
        }
    }

    void ClearLine()
    {
        if (!_live || _lastLine.Length == 0) return;
        Console.Out.Write("\r" + new string(' ', Math.Min(_lastLine.Length, SafeWidth() - 1)) + "\r");
        _lastLine = "";
    }

    static int SafeWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 100; } catch (IOException) { return 100; }
    }

    public void Dispose() { lock (_gate) ClearLine(); }
}
