using System.Text;

namespace Kraft.Cli.Rendering;

/// <summary>
/// The plain-text tables of the listing commands (ps, pkg ls, net ls, vol ls): columns as wide as
/// their widest cell, two spaces between, the last column unpadded, no trailing blanks.
/// </summary>
public static class TextTable
{
    /// <summary>Renders <paramref name="rows"/> (the first one is the header), one line each.</summary>
    public static string Render(IReadOnlyList<IReadOnlyList<string>> rows)
    {
        if (rows.Count == 0) return "";
        var widths = new int[rows.Max(r => r.Count)];
        foreach (var r in rows)
            for (var i = 0; i < r.Count; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            for (var i = 0; i < r.Count; i++)
                sb.Append(i == r.Count - 1 ? r[i] : r[i].PadRight(widths[i] + 2));
            while (sb.Length > 0 && sb[^1] == ' ') sb.Length--;
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
