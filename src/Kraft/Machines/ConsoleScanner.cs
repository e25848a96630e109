using System.Text;

namespace Kraft.Machines;

/// <summary>
/// Watches the guest console stream, line by line, for the Unikraft messages that explain how a
/// run ended. It gets the raw bytes after they have been passed on, so it never delays output.
/// </summary>
public sealed class ConsoleScanner
{
    const int MaxLine = 4096;
    const int MaxKeptLines = 20;
    readonly byte[] _line = new byte[MaxLine];
    int _length;
    readonly List<string> _crashLines = [];

    /// <summary>lib/ukrandom could not find RDRAND/RDSEED ("Could not initialize the HWRNG (-95)").</summary>
    public bool SawHwrngFailure { get; private set; }
    /// <summary>A CRIT: line, an init-table failure or an abort() was printed.</summary>
    public bool SawCrash => _crashLines.Count > 0;
    /// <summary>The first lines that showed a crash (CRIT:, init failures), without ANSI escapes.</summary>
    public IReadOnlyList<string> CrashLines => _crashLines;
    /// <summary>Whether any console byte arrived at all.</summary>
    public bool SawOutput { get; private set; }

    public void Feed(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0) SawOutput = true;
        foreach (var b in data)
        {
            if (b == (byte)'\n') { EndLine(); continue; }
            if (_length < MaxLine) _line[_length++] = b;
        }
    }

    /// <summary>Checks the last, unterminated line (call once the stream has ended).</summary>
    public void Complete()
    {
        if (_length > 0) EndLine();
    }

    void EndLine()
    {
        var text = StripAnsi(Encoding.Latin1.GetString(_line, 0, _length)).TrimEnd('\r', ' ');
        _length = 0;
        if (text.Contains("Could not initialize the HWRNG", StringComparison.Ordinal))
            SawHwrngFailure = true;
        var crash = text.Contains("CRIT:", StringComparison.Ordinal)
            || text.Contains("Abnormal termination!", StringComparison.Ordinal)
            || (text.Contains("[libukboot]", StringComparison.Ordinal) && text.Contains("returned error", StringComparison.Ordinal));
        if (crash && _crashLines.Count < MaxKeptLines)
            _crashLines.Add(text.Trim());
    }

    /// <summary>Removes CSI escape sequences (colours) that LIBUKDEBUG_ANSI_COLOR adds.</summary>
    public static string StripAnsi(string s)
    {
        if (!s.Contains('\x1b')) return s;
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\x1b' && i + 1 < s.Length && s[i + 1] == '[')
            {
                i += 2;
                while (i < s.Length && !(s[i] >= '@' && s[i] <= '~')) i++;
                continue;
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
