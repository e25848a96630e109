using System.Text.RegularExpressions;

namespace Kraft.Build;

/// <summary>
/// Follows Unikraft's quiet build output ("  CC      libukdebug: print.c", "  OBJCOPY libukdebug.o",
/// "  LD      hello_qemu-x86_64.dbg") and turns it into a step and a count of finished libraries.
/// </summary>
public sealed partial class MakeProgress
{
    readonly HashSet<string> _started = new(StringComparer.Ordinal);
    readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    /// <summary>Libraries the build will link (from make print-libs), or 0 when unknown.</summary>
    public int TotalLibraries { get; set; }
    public int FinishedLibraries => _finished.Count;
    public int StartedLibraries => _started.Count;
    /// <summary>"compiling", "linking", "finishing image"...</summary>
    public string Step { get; private set; } = "building";
    /// <summary>The last tool line, e.g. "CC libukdebug: print.c".</summary>
    public string Detail { get; private set; } = "";

    [GeneratedRegex(@"^  (?<tool>[A-Z][A-Z0-9_]*)\s+(?<what>.+)$")]
    private static partial Regex ToolLine();

    /// <summary>Feeds one output line; returns true when it was a build-step line.</summary>
    public bool Observe(string line)
    {
        var m = ToolLine().Match(line);
        if (!m.Success) return false;
        var tool = m.Groups["tool"].Value;
        var what = m.Groups["what"].Value.Trim();
        Detail = $"{tool} {what}";
        var colon = what.IndexOf(':');
        if (colon > 0 && tool is "CC" or "CXX" or "AS" or "GOC" or "RUSTC" or "CPP" or "M4")
        {
            _started.Add(what[..colon]);
            Step = "compiling";
        }
        else if (tool is "OBJCOPY" or "LD" && what.EndsWith(".o", StringComparison.Ordinal)
                 && !what.EndsWith(".ld.o", StringComparison.Ordinal) && !what.Contains('/'))
        {
            // Unikraft ends each library with "LD lib.ld.o" then "OBJCOPY lib.o"; either final .o means done.
            _finished.Add(what[..^2]);
        }
        else if (tool == "LD" && what.EndsWith(".dbg", StringComparison.Ordinal))
        {
            Step = "linking";
        }
        else if (tool is "SCSTRIP" or "STRIP" or "UKBI" or "MULTIBT" or "GZ" or "OBJCOPY")
        {
            Step = "finishing image";
        }
        return true;
    }
}
