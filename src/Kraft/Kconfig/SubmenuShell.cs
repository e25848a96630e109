using System.Text;
using Kraft.Host;

namespace Kraft.Kconfig;

/// <summary>
/// Answers the <c>$(shell,...)</c> probes of a Unikraft Kconfig tree (the Unikraft dialect's) without starting a shell:
/// <c>support/build/config-submenu.sh</c> (the script that writes the libs.uk, plats.uk, app.uk ...
/// stitch files and prints the file's path) and <c>test A = B &amp;&amp; echo y || echo n</c>. The files
/// written are the script's, byte for byte (same header, same order, same canonical paths). Any other
/// command goes to <paramref name="fallback"/> (/bin/sh by default).
/// </summary>
public sealed class SubmenuShell(IShellRunner? fallback = null) : IShellRunner
{
    readonly IShellRunner fallback = fallback ?? ProcessShellRunner.Instance;
    const string ScriptSuffix = "/support/build/config-submenu.sh";

    /// <summary>How many commands went to the real shell (for timing reports and tests).</summary>
    public int ShellFallbacks { get; private set; }

    public string Run(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        if (SimpleShellCommand.TrySplit(command, out var words))
        {
            if (words.Count > 0 && words[0].EndsWith(ScriptSuffix, StringComparison.Ordinal) && File.Exists(words[0])
                && TrySubmenu(words, workingDirectory, out var output))
                return output;
            // test A = B && echo y || echo n
            if (words is ["test", var a, "=", var b, "&&", "echo", var yes, "||", "echo", var no])
                return (a == b ? yes : no) + "\n";
        }
        ShellFallbacks++;
        return fallback.Run(command, workingDirectory, environment);
    }

    /// <summary>config-submenu.sh [-h] [-q] [-t TITLE] [-l PATH] [-c P:P] [-e P:P] [-r PATH] [-o OUT] [PATH...]</summary>
    static bool TrySubmenu(List<string> words, string cwd, out string output)
    {
        output = "";
        var paths = new List<string>();
        var excludes = new List<string>();
        string? title = null, outFile = null;
        int i = 1;
        for (; i < words.Count; i++)
        {
            var w = words[i];
            if (w == "--") { i++; break; }
            if (w.Length < 2 || w[0] != '-') break;
            // getopts: flags may be grouped (-qo FILE) and an argument may be attached (-oFILE)
            for (int j = 1; j < w.Length; j++)
            {
                var opt = w[j];
                if (opt == 'q') continue;
                if (opt is not ('t' or 'l' or 'r' or 'c' or 'e' or 'o')) return false;
                string arg;
                if (j + 1 < w.Length) arg = w[(j + 1)..];
                else if (i + 1 < words.Count) arg = words[++i];
                else return false;
                switch (opt)
                {
                    case 't': title = arg; break;
                    case 'l': paths.Add(TrimSlash(arg)); break;
                    case 'r':
                        if (arg.Length > 0)
                        {
                            var dir = TrimSlash(arg);
                            var full = Path.IsPathRooted(dir) ? dir : Path.Combine(cwd, dir);
                            if (Directory.Exists(full))
                            {
                                // bash's glob: no hidden entries, sorted (C locale); -d follows symlinks
                                var names = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName)
                                    .Where(n => n is { Length: > 0 } && n[0] != '.').ToList();
                                names.Sort(StringComparer.Ordinal);
                                foreach (var n in names)
                                    if (Directory.Exists(Path.Combine(full, n!))) paths.Add(dir + "/" + n);
                            }
                        }
                        break;
                    case 'c':
                        paths.AddRange(arg.Split(':').Where(p => p.Length > 0).Select(TrimSlash));
                        break;
                    case 'e':
                        excludes.AddRange(arg.Split(':').Where(p => p.Length > 0).Select(TrimSlash));
                        break;
                    case 'o': outFile = arg; break;
                }
                break;
            }
        }
        paths.AddRange(words.Skip(i));

        var sb = new StringBuilder();
        if (outFile is not null) sb.Append("# Auto generated file. DO NOT EDIT\n");
        var libs = new List<string>();
        foreach (var p in paths)
        {
            var configUk = Abs(p + "/Config.uk", cwd);
            if (!File.Exists(configUk)) continue;
            if (excludes.Contains(p)) { sb.Append("# Skipped excluded \"").Append(p).Append("\"\n"); continue; }
            libs.Add(p);
        }
        if (title is not null) sb.Append("menu \"").Append(title).Append("\"\n");
        foreach (var l in libs)
            sb.Append("source \"").Append(RealPath.Of(Abs(l + "/Config.uk", cwd))).Append("\"\n");
        if (title is not null) sb.Append("endmenu\n");

        if (outFile is null) { output = sb.ToString(); return true; }
        var outPath = Abs(outFile, cwd);
        if (Directory.Exists(outPath)) return false;
        var text = sb.ToString();
        // The script rewrites the file each time; leaving an identical one alone changes nothing make sees.
        if (!File.Exists(outPath) || File.ReadAllText(outPath) != text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
            AtomicFile.WriteAllText(outPath, text, durable: false); // remade at every configure, like the script's
        }
        output = RealPath.Of(outPath) + "\n";
        return true;
    }

    static string TrimSlash(string p) => p.EndsWith('/') ? p[..^1] : p;
    static string Abs(string p, string cwd) => Path.IsPathRooted(p) ? p : Path.Combine(cwd, p);
}

/// <summary>Splits a simple POSIX shell command line into words; false when it uses anything beyond quoting.</summary>
public static class SimpleShellCommand
{
    public static bool TrySplit(string command, out List<string> words)
    {
        words = new List<string>();
        var sb = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < command.Length; i++)
        {
            var c = command[i];
            switch (c)
            {
                case ' ' or '\t':
                    if (inWord) { words.Add(sb.ToString()); sb.Clear(); inWord = false; }
                    break;
                case '\'':
                    {
                        var end = command.IndexOf('\'', i + 1);
                        if (end < 0) return false;
                        sb.Append(command, i + 1, end - i - 1);
                        i = end; inWord = true;
                        break;
                    }
                case '"':
                    {
                        i++;
                        for (; i < command.Length && command[i] != '"'; i++)
                        {
                            var d = command[i];
                            if (d is '$' or '`') return false;
                            if (d == '\\' && i + 1 < command.Length && command[i + 1] is '"' or '\\' or '$' or '`') d = command[++i];
                            sb.Append(d);
                        }
                        if (i >= command.Length) return false;
                        inWord = true;
                        break;
                    }
                case '&' when i + 1 < command.Length && command[i + 1] == '&' && !inWord:
                    words.Add("&&"); i++; break;
                case '|' when i + 1 < command.Length && command[i + 1] == '|' && !inWord:
                    words.Add("||"); i++; break;
                case '\\' or '$' or '`' or ';' or '|' or '&' or '<' or '>' or '(' or ')' or '*' or '?' or '[' or '~' or '#' or '\n' or '{' or '}':
                    return false;
                default:
                    sb.Append(c); inWord = true; break;
            }
        }
        if (inWord) words.Add(sb.ToString());
        return true;
    }
}
