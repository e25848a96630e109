using System.Text.RegularExpressions;

namespace Kraft.Build;

/// <summary>
/// The Kconfig symbol that turns a library on, read from the library's own Config.uk: its first
/// top-level <c>config</c>/<c>menuconfig</c> named LIB… (lib-musl: LIBMUSL, lib-newlib: LIBNEWLIBC,
/// lib-lwip: LIBLWIP), else its first top-level symbol. KraftKit guesses CONFIG_LIB&lt;NAME&gt; from
/// the component name, which is wrong for e.g. newlib.
/// </summary>
public static partial class LibrarySymbols
{
    [GeneratedRegex(@"^\s*(menuconfig|config|if|endif|menu|endmenu|choice|endchoice)\b\s*([A-Za-z0-9_]*)")]
    private static partial Regex Line();

    /// <summary>CONFIG_&lt;symbol&gt; for the library in <paramref name="libraryDir"/>, or null when its Config.uk has none.</summary>
    public static string? FromConfigUk(string libraryDir)
    {
        var file = Path.Combine(libraryDir, "Config.uk");
        if (!File.Exists(file)) return null;
        string? first = null;
        int depth = 0;
        foreach (var line in File.ReadLines(file))
        {
            var m = Line().Match(line);
            if (!m.Success) continue;
            switch (m.Groups[1].Value)
            {
                case "if" or "menu" or "choice": depth++; break;
                case "endif" or "endmenu" or "endchoice": depth = Math.Max(0, depth - 1); break;
                default:
                    if (depth > 0 || m.Groups[2].Length == 0) break;
                    var name = m.Groups[2].Value;
                    if (name.StartsWith("LIB", StringComparison.Ordinal)) return "CONFIG_" + name;
                    first ??= name;
                    break;
            }
        }
        return first is null ? null : "CONFIG_" + first;
    }

    /// <summary>
    /// Each library's enabling symbol: from its Config.uk when it is on disk, else (and with a
    /// warning when its Config.uk defines nothing) KraftKit's guess from the name.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(IEnumerable<(string Name, string Path)> libraries, Action<string>? warn = null)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, path) in libraries)
        {
            var guess = RequestedOptions.LibrarySymbol(name);
            string? found = Directory.Exists(path) ? FromConfigUk(path) : null;
            if (found is null && Directory.Exists(path))
                warn?.Invoke($"library '{name}': {Path.Combine(path, "Config.uk")} defines no config symbol; asking for {guess}=y");
            map[name] = found ?? guess;
        }
        return map;
    }
}
