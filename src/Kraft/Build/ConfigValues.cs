using System.Text;

namespace Kraft.Build;

/// <summary>
/// Reads and writes Kconfig's file format (.config and defconfig fragments): <c>CONFIG_X=y</c>,
/// <c>CONFIG_N=12</c>, <c>CONFIG_S="text"</c> and <c># CONFIG_X is not set</c> for n.
/// Values are kept unquoted; n is the string "n".
/// </summary>
public static class ConfigValues
{
    /// <summary>Parses a .config text into an ordered name→value list (last assignment wins).</summary>
    public static Dictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                // "# CONFIG_FOO is not set" means FOO=n; every other comment is decoration.
                const string suffix = " is not set";
                if (line.EndsWith(suffix, StringComparison.Ordinal))
                {
                    var name = line[1..^suffix.Length].Trim();
                    if (name.StartsWith("CONFIG_", StringComparison.Ordinal) && !name.Contains(' '))
                        values[name] = "n";
                }
                continue;
            }
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            values[line[..eq].Trim()] = Unquote(line[(eq + 1)..].Trim());
        }
        return values;
    }

    public static Dictionary<string, string> ReadFile(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path)) : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Writes assignments in defconfig syntax, in the given order.</summary>
    public static string Format(IEnumerable<KeyValuePair<string, string>> values)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in values)
            sb.Append(FormatLine(name, value)).Append('\n');
        return sb.ToString();
    }

    public static string FormatLine(string name, string value) => value switch
    {
        "n" => $"# {name} is not set",
        "y" or "m" => $"{name}={value}",
        _ when IsNumber(value) => $"{name}={value}",
        _ => $"{name}=\"{Escape(value)}\"",
    };

    /// <summary>Decimal and hex numbers are written bare, as conf does; everything else is quoted.</summary>
    static bool IsNumber(string v) =>
        v.Length > 0 && (long.TryParse(v, out _)
            || v.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && v.Length > 2 && v[2..].All(char.IsAsciiHexDigit));

    static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");

    static string Unquote(string v)
    {
        if (v.Length < 2 || v[0] != '"' || v[^1] != '"') return v;
        var sb = new StringBuilder(v.Length);
        for (var i = 1; i < v.Length - 1; i++)
        {
            if (v[i] == '\\' && i + 1 < v.Length - 1) i++;
            sb.Append(v[i]);
        }
        return sb.ToString();
    }

    /// <summary>Normalises a value as a Kraftfile may write it, for comparison with a .config.</summary>
    public static string Normalise(string value) => value.Trim() switch
    {
        "true" or "yes" or "on" => "y",
        "false" or "no" or "off" => "n",
        var v => Unquote(v),
    };
}
