using System.Text;

namespace Kraft.Kconfig;

/// <summary>The C library's rand(3) as glibc computes it (TYPE_3 additive feedback), so a seed gives conf's sequence.</summary>
internal sealed class GlibcRandom
{
    int f, b;

    public GlibcRandom(uint seed)
    {
        if (seed == 0) seed = 1;
        int[] init = new int[31];
        init[0] = unchecked((int)seed);
        for (int i = 1; i < 31; i++)
        {
            long word = init[i - 1];
            long hi = word / 127773, lo = word % 127773;
            word = 16807 * lo - 2836 * hi;
            if (word < 0) word += 2147483647;
            init[i] = (int)word;
        }
        // the state is the 31 words; glibc then discards 310 outputs
        Array.Copy(init, state, 31);
        f = 3; b = 0;
        for (int i = 0; i < 310; i++) Step();
    }

    readonly int[] state = new int[31];

    int Step()
    {
        unchecked
        {
            state[f] += state[b];
            int result = (int)((uint)state[f] >> 1);
            if (++f >= 31) f = 0;
            if (++b >= 31) b = 0;
            return result;
        }
    }

    /// <summary>The next value of rand(): 0 .. 2^31-1.</summary>
    public int Next() => Step();
}

public sealed partial class KconfigTree
{
    /// <summary>conf's randconfig probabilities in percent (KCONFIG_PROBABILITY): bool = y, tristate = y, tristate = m.</summary>
    internal int RandomBool = 50, RandomYes = 33, RandomMod = 33;

    /// <summary>Whether the configuration differs from what was read (conf_get_changed).</summary>
    public bool IsChanged => changed;

    internal void MarkSaved() => changed = false;

    /// <summary>Files in conf's file_list order (newest lookup first, each once), as auto.conf.cmd lists them.</summary>
    public IReadOnlyList<string> ConfFileList { get; private set; } = Array.Empty<string>();

    /// <summary>The auto.conf.cmd make fragment: auto.conf depends on every Kconfig file and on the environment it read.</summary>
    public string RenderAutoConfCmd(string autoConfName)
    {
        var sb = new StringBuilder();
        sb.Append("deps_config := \\\n");
        var files = ConfFileList;
        bool unikraft = opt.Dialect == KconfigDialect.Unikraft;
        for (int i = 0; i < files.Count; i++)
            sb.Append('\t').Append(files[i]).Append(unikraft && i == files.Count - 1 ? "\n" : " \\\n");
        if (unikraft) sb.Append('\n').Append(autoConfName).Append(": \\\n\t$(deps_config)\n\n");
        else sb.Append('\n').Append(autoConfName).Append(": $(deps_config)\n\n");
        foreach (var (name, value) in UsedEnvironment)
            sb.Append("ifneq \"$(").Append(name).Append(")\" \"").Append(value).Append("\"\n")
              .Append(autoConfName).Append(": FORCE\nendif\n");
        sb.Append("\n$(deps_config): ;\n");
        return sb.ToString();
    }

    /// <summary>
    /// conf_touch_deps: compares the values with those in the previous auto.conf and returns the names of the
    /// symbols whose value changed (or that disappeared), for which conf touches a dependency file that fixdep
    /// makes objects depend on.
    /// </summary>
    public List<string> ChangedSinceAutoConf(string oldAutoConfPath)
    {
        EnsureChecked();
        var touched = new List<string>();
        var old = new Dictionary<Symbol, (Tristate Tri, string? Str)>();
        if (File.Exists(oldAutoConfPath))
        {
            foreach (var raw in File.ReadLines(oldAutoConfPath))
            {
                var line = raw.EndsWith('\r') ? raw[..^1] : raw;
                string name, val;
                if (line.StartsWith('#'))
                {
                    if (!line.StartsWith("# " + Prefix, StringComparison.Ordinal)) continue;
                    var rest = line[(2 + Prefix.Length)..];
                    int sp = rest.IndexOf(' ');
                    if (sp < 0 || !rest[(sp + 1)..].StartsWith("is not set", StringComparison.Ordinal)) continue;
                    name = rest[..sp]; val = "n";
                    var ns = table.Find(name);
                    if (ns is null || ns.IsConst) continue;
                }
                else if (line.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    var rest = line[Prefix.Length..];
                    int eq = rest.IndexOf('=');
                    if (eq < 0) continue;
                    name = rest[..eq]; val = rest[(eq + 1)..];
                }
                else continue;
                var sym = table.Find(name);
                if (sym is null || sym.IsConst)
                {
                    touched.Add(name);
                    continue;
                }
                if (AutoValue(sym, val) is { } v) old[sym] = v;
            }
        }
        // conf re-reads every value after loading the old file; without one, the values stay as computed
        // (which only shows in how often a warning computed with a value is printed)
        if (File.Exists(oldAutoConfPath)) ClearAllValid();
        else changed = true;
        CalcValue(modulesSym);
        foreach (var s in hashOrder)
        {
            CalcValue(s);
            if ((s.Flags & SymFlags.NoWrite) != 0 || s.Name is null) continue;
            bool hasOld = old.TryGetValue(s, out var o);
            if ((s.Flags & SymFlags.Write) != 0)
            {
                if (hasOld)
                {
                    switch (s.Type)
                    {
                        case SymbolType.Bool or SymbolType.Tristate:
                            if (s.CurTri == o.Tri) continue;
                            break;
                        case SymbolType.String or SymbolType.Hex or SymbolType.Int:
                            if (s.CurStr == o.Str) continue;
                            break;
                    }
                }
                else if (s.Type is SymbolType.Bool or SymbolType.Tristate && s.CurTri == Tristate.No) continue;
            }
            else if (!hasOld) continue;
            touched.Add(s.Name);
        }
        return touched;
    }

    (Tristate, string?)? AutoValue(Symbol s, string p)
    {
        switch (s.Type)
        {
            case SymbolType.Tristate when p.StartsWith('m'): return (Tristate.Mod, null);
            case SymbolType.Bool or SymbolType.Tristate:
                if (p.StartsWith('y')) return (Tristate.Yes, null);
                if (p.StartsWith('n')) return (Tristate.No, null);
                return null;
            case SymbolType.String:
                if (opt.Dialect == KconfigDialect.Linux61) return (Tristate.No, p); // 6.1 writes and reads auto.conf strings raw
                {
                    if (!p.StartsWith('"')) return null;
                    var sb = new StringBuilder();
                    for (int i = 1; i < p.Length; i++)
                    {
                        if (p[i] == '"') return (Tristate.No, sb.ToString());
                        if (p[i] == '\\') { i++; if (i >= p.Length) break; }
                        sb.Append(p[i]);
                    }
                    return null;
                }
            case SymbolType.Int or SymbolType.Hex:
                return StringValid(s, p) ? (Tristate.No, p) : null;
            default: return null;
        }
    }

    /// <summary>The dependency file conf touches for a symbol: include/config/NAME (Linux 6.1) or include/config/na/me.h (5.2).</summary>
    public string DependencyFileName(string symbolName) =>
        opt.Dialect == KconfigDialect.Unikraft ? symbolName.Replace('_', '/').ToLowerInvariant() + ".h" : symbolName;

    /// <summary>
    /// conf --listnewconfig: visible, changeable symbols that have no value in the configuration read, in menu order.
    /// </summary>
    public List<string> ListNewConfig()
    {
        EnsureChecked();
        var lines = new List<string>();
        Walk(Root);
        return lines;

        void Walk(MenuNode m)
        {
            if (!MenuIsVisible(m)) return;
            var s = m.Symbol;
            if (s is not null && !s.HasUserValue)
            {
                CalcValue(s);
                bool changeable = s.VisibleTri > s.RevDepTri;
                if ((changeable || s.IsChoice && s.CurTri == Tristate.Yes) && s.Name is not null)
                {
                    if (opt.Dialect == KconfigDialect.Unikraft)
                    {
                        var v = StringValue(s);
                        lines.Add(Prefix + s.Name + "=" + (s.Type == SymbolType.String ? Escape(v) : v));
                    }
                    else
                    {
                        var sb = new StringBuilder();
                        PrintDotConfig(sb, s);
                        lines.Add(sb.ToString().TrimEnd('\n'));
                    }
                }
            }
            for (var c = m.FirstChild; c is not null; c = c.Next) Walk(c);
        }
    }

    /// <summary>The three generated files of conf_write_autoconf with one evaluation pass.</summary>
    public (string Header, string Extra, string AutoConf) RenderAutoconfFiles()
    {
        var written = WrittenSymbols();
        return (RenderAutoHeader(written), opt.Dialect == KconfigDialect.Unikraft ? RenderTristateConf(written) : RenderRustcCfg(written),
            RenderAutoConf(written));
    }
}
