using System.Text;
using Kraft.Host;

namespace Kraft.Kconfig;

public sealed partial class KconfigTree
{
    // ================================================================ reading

    /// <summary>Reads a .config or a defconfig fragment as user values (conf_read_simple). False if missing.</summary>
    bool ReadSimple(string path)
    {
        if (!File.Exists(path)) return false;
        var text = File.ReadAllText(path);
        foreach (var s in table.All)
        {
            s.Flags |= SymFlags.Changed;
            s.Flags &= ~(SymFlags.DefUser | SymFlags.Valid);
            if (s.IsChoice) s.Flags |= SymFlags.DefUser;
            s.UserTri = Tristate.No; s.UserStr = null; s.UserChoice = null;
        }
        confWarnings = 0;
        int lineNo = 0;
        int pos = 0;
        while (pos < text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            string line = nl < 0 ? text[pos..] : text.Substring(pos, nl - pos);
            pos = nl < 0 ? text.Length : nl + 1;
            lineNo++;
            string name, val;
            if (line.StartsWith('#'))
            {
                if (line.Length < 2 || line[1] != ' ') continue;
                var rest = line[2..];
                if (!rest.StartsWith(Prefix, StringComparison.Ordinal)) continue;
                rest = rest[Prefix.Length..];
                int sp = rest.IndexOf(' ');
                if (sp < 0) continue;
                name = rest[..sp];
                if (!rest[(sp + 1)..].StartsWith("is not set", StringComparison.Ordinal)) continue;
                val = "n";
            }
            else if (line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                var rest = line[Prefix.Length..];
                int eq = rest.IndexOf('=');
                if (eq < 0) continue;
                name = rest[..eq];
                val = rest[(eq + 1)..];
                if (val.EndsWith('\r')) val = val[..^1];
            }
            else
            {
                if (line.Length > 0 && line[0] != '\r') ConfWarning(path, lineNo, $"unexpected data: {line.TrimEnd('\r')}");
                continue;
            }
            var sym = table.Find(name);
            if (sym is null || sym.IsConst) { changed = true; continue; }
            if (sym.HasUserValue) ConfWarning(path, lineNo, $"override: reassigning to symbol {sym.Name}");
            if (!SetUserValue(sym, val, path, lineNo)) continue;
            if (sym.IsChoiceValue)
            {
                var cs = sym.Choice!;
                switch (sym.UserTri)
                {
                    case Tristate.Mod:
                        if (cs.UserTri == Tristate.Yes)
                        {
                            ConfWarning(path, lineNo, $"{sym.Name} creates inconsistent choice state");
                            cs.Flags &= ~SymFlags.DefUser;
                        }
                        break;
                    case Tristate.Yes:
                        if (cs.UserTri != Tristate.No) ConfWarning(path, lineNo, $"override: {sym.Name} changes choice state");
                        cs.UserChoice = sym;
                        break;
                }
                cs.UserTri = Tri.Or(cs.UserTri, sym.UserTri);
            }
        }
        return true;
    }

    void ConfWarning(string file, int line, string msg)
    {
        confWarnings++;
        warn($"{file}:{line}:warning: {msg}");
    }

    bool SetUserValue(Symbol sym, string p, string file, int line)
    {
        switch (sym.Type)
        {
            case SymbolType.Tristate when p.StartsWith('m'):
                sym.UserTri = Tristate.Mod; sym.Flags |= SymFlags.DefUser; return true;
            case SymbolType.Tristate or SymbolType.Bool:
                if (p.StartsWith('y')) { sym.UserTri = Tristate.Yes; sym.Flags |= SymFlags.DefUser; return true; }
                if (p.StartsWith('n')) { sym.UserTri = Tristate.No; sym.Flags |= SymFlags.DefUser; return true; }
                ConfWarning(file, line, $"symbol value '{p}' invalid for {sym.Name}");
                return false;
            case SymbolType.String:
                {
                    if (!p.StartsWith('"')) return true;
                    var sb = new StringBuilder();
                    int i = 1; bool closed = false;
                    for (; i < p.Length; i++)
                    {
                        if (p[i] == '"') { closed = true; break; }
                        if (p[i] == '\\') { i++; if (i >= p.Length) break; }
                        sb.Append(p[i]);
                    }
                    if (!closed) { ConfWarning(file, line, "invalid string found"); return false; }
                    sym.UserStr = sb.ToString(); sym.Flags |= SymFlags.DefUser;
                    return true;
                }
            case SymbolType.Int or SymbolType.Hex:
                if (StringValid(sym, p)) { sym.UserStr = p; sym.Flags |= SymFlags.DefUser; return true; }
                ConfWarning(file, line, $"symbol value '{p}' invalid for {sym.Name}");
                return false;
            default:
                return true;
        }
    }

    /// <summary>conf_read: loads a full configuration and reconciles it with the tree. False if the file is missing.</summary>
    public bool LoadConfig(string path)
    {
        changed = false;
        if (!ReadSimple(path)) { AnswerNeededProbes(); CalcValue(modulesSym); return false; }
        AnswerNeededProbes();
        CalcValue(modulesSym);
        int unsaved = 0;
        foreach (var s in hashOrder)
        {
            CalcValue(s);
            if (s.IsChoice || (s.Flags & SymFlags.NoWrite) != 0) continue;
            bool write = (s.Flags & SymFlags.Write) != 0;
            if (s.HasUserValue && write)
            {
                if (s.Type is SymbolType.Bool or SymbolType.Tristate ? s.UserTri == s.CurTri : s.UserStr == s.CurStr) continue;
            }
            else if (!s.HasUserValue && !write) continue;
            unsaved++;
        }
        foreach (var s in hashOrder)
        {
            if (!s.HasUserValue || s.IsChoiceValue) continue;
            if (s.VisibleTri == Tristate.No && unsaved == 0) s.Flags &= ~SymFlags.DefUser;
            if (s.Type is SymbolType.String or SymbolType.Int or SymbolType.Hex)
            {
                if (StringWithinRange(s, s.UserStr ?? "")) continue;
                s.Flags &= ~(SymFlags.Valid | SymFlags.DefUser);
                unsaved++;
            }
        }
        if (confWarnings > 0 || unsaved > 0) changed = true;
        return true;
    }

    /// <summary>conf_read_simple: reads a fragment as user values without reconciling (KCONFIG_ALLCONFIG).</summary>
    public void ReadFragment(string path)
    {
        if (!ReadSimple(path)) throw new KraftException($"can't read seed configuration \"{path}\"");
    }

    /// <summary>conf --defconfig: reads a fragment, everything else takes its default.</summary>
    public void ApplyDefconfig(string fragmentPath)
    {
        if (!LoadConfig(fragmentPath)) throw new KraftException($"can't find default configuration \"{fragmentPath}\"");
        SetAllNew(AllConfigMode.AllDef, null);
    }

    /// <summary>conf --olddefconfig: reads .config (if present) and fills in defaults for the rest.</summary>
    public void OldDefconfig(string configPath) => LoadConfig(configPath);

    /// <summary>conf --allnoconfig/--allyesconfig/--allmodconfig/--alldefconfig/--randconfig.</summary>
    public void SetAll(AllConfigMode mode, int? seed = null, string? allConfigFragment = null)
    {
        if (allConfigFragment is not null && !ReadSimple(allConfigFragment))
            throw new KraftException($"can't read seed configuration \"{allConfigFragment}\"");
        if (mode == AllConfigMode.Random)
        {
            var rng = new GlibcRandom(unchecked((uint)(seed ?? Environment.TickCount)));
            while (SetAllNew(mode, rng)) { }
        }
        else SetAllNew(mode, null);
    }

    bool SetAllNew(AllConfigMode mode, GlibcRandom? rng)
    {
        bool hasChanged = false;
        foreach (var s in hashOrder)
        {
            if (s.HasUserValue || (s.Flags & SymFlags.Valid) != 0) continue;
            var t = GetType(s);
            if (t is not (SymbolType.Bool or SymbolType.Tristate)) continue;
            hasChanged = true;
            switch (mode)
            {
                case AllConfigMode.AllYes: s.UserTri = Tristate.Yes; break;
                case AllConfigMode.AllMod: s.UserTri = Tristate.Mod; break;
                case AllConfigMode.AllNo:
                    s.UserTri = opt.Dialect == KconfigDialect.Unikraft && (s.Flags & SymFlags.AllNoConfigY) != 0 ? Tristate.Yes : Tristate.No;
                    break;
                case AllConfigMode.Random:
                    {
                        s.UserTri = Tristate.No;
                        int cnt = rng!.Next() % 100;
                        if (s.Type == SymbolType.Tristate) s.UserTri = cnt < RandomYes ? Tristate.Yes : cnt < RandomYes + RandomMod ? Tristate.Mod : Tristate.No;
                        else if (cnt < RandomBool) s.UserTri = Tristate.Yes;
                        break;
                    }
                default: continue;
            }
            if (!(s.IsChoice && mode == AllConfigMode.Random)) s.Flags |= SymFlags.DefUser;
        }
        ClearAllValid();
        if (mode != AllConfigMode.Random)
            foreach (var c in hashOrder)
                if (c.IsChoice && !c.HasUserValue || c.IsChoiceValue) c.Flags |= SymFlags.NeedSetChoiceValues;
        foreach (var c in hashOrder)
        {
            if (c.HasUserValue || !c.IsChoice) continue;
            CalcValue(c);
            if (mode == AllConfigMode.Random) hasChanged |= RandomizeChoice(c, rng!);
            else { SetAllChoiceValues(c); hasChanged = true; }
        }
        return hasChanged;
    }

    bool RandomizeChoice(Symbol c, GlibcRandom rng)
    {
        if (c.CurTri != Tristate.Yes || c.ChoiceValues.Count == 0) return false;
        int def = rng.Next() % c.ChoiceValues.Count;
        for (int i = 0; i < c.ChoiceValues.Count; i++)
        {
            var v = c.ChoiceValues[i];
            if (i == def) { v.UserTri = Tristate.Yes; c.UserChoice = v; } else v.UserTri = Tristate.No;
            v.Flags |= SymFlags.DefUser;
            v.Flags &= ~SymFlags.Valid;
        }
        c.Flags |= SymFlags.DefUser;
        c.Flags &= ~SymFlags.Valid;
        return true;
    }

    /// <summary>Sets a user value as if read from a config line (value as written after '=').</summary>
    public void SetValue(string name, string value)
    {
        var s = FindSymbol(name) ?? throw new KraftException($"unknown symbol {name}");
        SetUserValue(s, s.Type == SymbolType.String && !value.StartsWith('"') ? "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"" : value, "<api>", 0);
        if (s.IsChoiceValue && s.UserTri == Tristate.Yes) { s.Choice!.UserChoice = s; s.Choice.UserTri = Tristate.Yes; s.Choice.Flags |= SymFlags.DefUser; }
        ClearAllValid();
        changed = true;
    }

    // ================================================================ values

    /// <summary>The current value as conf prints it: n/m/y for bool and tristate, the raw text otherwise.</summary>
    public string ValueOf(Symbol s) { EnsureChecked(); CalcValue(s); return StringValue(s); }

    public string? ValueOf(string name) => FindSymbol(name) is { } s ? ValueOf(s) : null;

    public Tristate TristateOf(Symbol s) { EnsureChecked(); CalcValue(s); return s.CurTri; }

    public Tristate VisibilityOf(Symbol s) { EnsureChecked(); CalcValue(s); return s.VisibleTri; }

    /// <summary>Whether conf would write the symbol to .config.</summary>
    public bool IsWritten(Symbol s) { EnsureChecked(); CalcValue(s); return (s.Flags & SymFlags.Write) != 0; }

    // ================================================================ writing

    bool MenuIsVisible(MenuNode m)
    {
        if (m.Prompt is null) return false;
        if (m.VisibleIf is not null && Eval(m.VisibleIf) == Tristate.No) return false;
        Tristate vis;
        if (m.Symbol is { } s) { CalcValue(s); vis = m.Prompt.VisibleTri; }
        else vis = m.Prompt.VisibleTri = Eval(m.Prompt.Visible);
        if (vis != Tristate.No) return true;
        if (m.Symbol is null || m.Symbol.CurTri == Tristate.No) return false;
        for (var c = m.FirstChild; c is not null; c = c.Next)
            if (MenuIsVisible(c))
            {
                m.Symbol.Flags |= SymFlags.DefUser;
                return true;
            }
        return false;
    }

    static string Escape(string v)
    {
        var sb = new StringBuilder(v.Length + 2);
        sb.Append('"');
        foreach (var c in v) { if (c is '"' or '\\') sb.Append('\\'); sb.Append(c); }
        sb.Append('"');
        return sb.ToString();
    }

    void Heading(StringBuilder sb, string prefix, string decoration, string postfix)
    {
        sb.Append(prefix).Append('\n');
        sb.Append(decoration).Append(" Automatically generated file; DO NOT EDIT.\n");
        sb.Append(decoration).Append(' ').Append(MainMenuTitle).Append('\n');
        sb.Append(postfix).Append('\n');
    }

    void PrintDotConfig(StringBuilder sb, Symbol s)
    {
        if (s.Type == SymbolType.Unknown) return;
        var v = StringValue(s);
        if (s.Type is SymbolType.Bool or SymbolType.Tristate && v == "n")
        {
            sb.Append("# ").Append(Prefix).Append(s.Name).Append(" is not set\n");
            return;
        }
        sb.Append(Prefix).Append(s.Name).Append('=').Append(s.Type == SymbolType.String ? Escape(v) : v).Append('\n');
    }

    /// <summary>The text conf writes to .config.</summary>
    public string RenderConfig()
    {
        EnsureChecked();
        var sb = new StringBuilder(1 << 16);
        Heading(sb, "#", "#", "#");
        if (!changed) ClearAllValid();
        bool needNewline = false;
        var written = new HashSet<Symbol>();
        var m = Root.FirstChild;
        bool linux = opt.Dialect == KconfigDialect.Linux61;
        while (m is not null)
        {
            var s = m.Symbol;
            if (s is null)
            {
                if (MenuIsVisible(m))
                {
                    sb.Append("\n#\n# ").Append(m.Prompt!.Text).Append("\n#\n");
                    needNewline = false;
                }
            }
            else if (!s.IsChoice && !written.Contains(s))
            {
                CalcValue(s);
                if ((s.Flags & SymFlags.Write) != 0)
                {
                    if (needNewline) { sb.Append('\n'); needNewline = false; }
                    written.Add(s);
                    PrintDotConfig(sb, s);
                }
            }
            if (m.FirstChild is not null) { m = m.FirstChild; continue; }
            if (linux)
            {
                while (true)
                {
                    if (m.Symbol is null && m != Root && MenuIsVisible(m) && m.Prompt!.Kind == PropertyKind.Menu)
                    {
                        sb.Append("# end of ").Append(m.Prompt.Text).Append('\n');
                        needNewline = true;
                    }
                    if (m.Next is not null) { m = m.Next; break; }
                    m = m.Parent;
                    if (m is null) break;
                }
            }
            else
            {
                var next = m.Next;
                for (MenuNode? up = m.Parent; next is null && up is not null; up = up.Parent)
                {
                    if (up.Symbol is null && up != Root && MenuIsVisible(up))
                    {
                        sb.Append("# end of ").Append(up.Prompt!.Text).Append('\n');
                        needNewline = true;
                    }
                    next = up.Next;
                }
                m = next;
            }
        }
        changed = false;
        return sb.ToString();
    }

    /// <summary>Writes .config atomically (temp file, then rename), keeping the previous one as .config.old like conf.</summary>
    public void WriteConfig(string path)
    {
        var text = RenderConfig();
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        if (File.Exists(path)) File.Copy(path, path + ".old", overwrite: true);
        AtomicFile.WriteAllText(path, text);
    }

    /// <summary>The minimal configuration (conf --savedefconfig).</summary>
    public string RenderMinimalConfig()
    {
        EnsureChecked();
        ClearAllValid();
        var sb = new StringBuilder();
        var m = Root.FirstChild;
        while (m is not null)
        {
            var s = m.Symbol;
            if (s is null) { MenuIsVisible(m); }
            else if (!s.IsChoice)
            {
                CalcValue(s);
                if ((s.Flags & SymFlags.Write) != 0)
                {
                    s.Flags &= ~SymFlags.Write;
                    if (s.VisibleTri > s.RevDepTri && StringValue(s) != StringDefault(s))
                    {
                        bool skip = false;
                        if (s.IsChoiceValue)
                        {
                            var cs = s.Choice!;
                            var ds = ChoiceDefault(cs);
                            if (!cs.IsOptional && s == ds && s.Type == SymbolType.Bool && s.CurTri == Tristate.Yes) skip = true;
                        }
                        if (!skip) PrintDotConfig(sb, s);
                    }
                }
            }
            m = m.FirstChild ?? NextSkippingChildren(m);
        }
        return sb.ToString();

        static MenuNode? NextSkippingChildren(MenuNode node)
        {
            for (MenuNode? up = node; up is not null; up = up.Parent)
                if (up.Next is not null) return up.Next;
            return null;
        }
    }

    public void WriteMinimalConfig(string path) => AtomicFile.WriteAllText(path, RenderMinimalConfig());

    string StringDefault(Symbol s)
    {
        CalcVisibility(s);
        CalcValue(modulesSym);
        var val = Tristate.No;
        var str = "";
        var p = DefaultProp(s);
        if (p is not null)
        {
            if (s.Type is SymbolType.Bool or SymbolType.Tristate) val = Tri.And(Eval(p.Expr), p.VisibleTri);
            else if (p.Target is { } ds) { CalcValue(ds); str = StringValue(ds); }
        }
        val = Tri.Or(val, s.RevDepTri);
        if (val == Tristate.Mod && !s.IsChoiceValue && modulesSym.CurTri == Tristate.No) val = Tristate.Yes;
        if (s.Type == SymbolType.Bool && val == Tristate.Mod) val = Tristate.Yes;
        if (val < s.ImpliedTri) val = s.ImpliedTri;
        return s.Type switch
        {
            SymbolType.Bool or SymbolType.Tristate => Tri.Text(val),
            SymbolType.Int or SymbolType.Hex or SymbolType.String => str,
            _ => "",
        };
    }

    /// <summary>auto.conf: every written symbol that is not n, in conf's symbol-table order.</summary>
    public string RenderAutoConf() => RenderAutoConf(WrittenSymbols());

    string RenderAutoConf(List<Symbol> written)
    {
        var sb = new StringBuilder(1 << 16);
        Heading(sb, "#", "#", "#");
        foreach (var s in written)
        {
            if (s.Type == SymbolType.Unknown) continue;
            var v = StringValue(s);
            if (s.Type is SymbolType.Bool or SymbolType.Tristate && v == "n") continue;
            // Linux 6.1 writes strings to auto.conf unescaped; 5.2 escapes them
            var shown = s.Type == SymbolType.String && opt.Dialect == KconfigDialect.Unikraft ? Escape(v) : v;
            sb.Append(Prefix).Append(s.Name).Append('=').Append(shown).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>autoconf.h: #defines for every written symbol that is not n.</summary>
    public string RenderAutoHeader() => RenderAutoHeader(WrittenSymbols());

    string RenderAutoHeader(List<Symbol> written)
    {
        var sb = new StringBuilder(1 << 16);
        if (opt.Dialect == KconfigDialect.Unikraft)
            sb.Append("/*\n *\n * Automatically generated file; DO NOT EDIT.\n * ").Append(MainMenuTitle).Append("\n *\n */\n");
        else
            Heading(sb, "/*", " *", " */");
        foreach (var s in written)
        {
            var v = StringValue(s);
            switch (s.Type)
            {
                case SymbolType.Bool or SymbolType.Tristate:
                    if (v == "n") continue;
                    sb.Append("#define ").Append(Prefix).Append(s.Name).Append(v == "m" ? "_MODULE" : "").Append(" 1\n");
                    break;
                case SymbolType.Hex:
                    sb.Append("#define ").Append(Prefix).Append(s.Name).Append(' ')
                      .Append(v.StartsWith("0x", StringComparison.Ordinal) || v.StartsWith("0X", StringComparison.Ordinal) ? "" : "0x").Append(v).Append('\n');
                    break;
                case SymbolType.String:
                    sb.Append("#define ").Append(Prefix).Append(s.Name).Append(' ').Append(Escape(v)).Append('\n');
                    break;
                case SymbolType.Int:
                    sb.Append("#define ").Append(Prefix).Append(s.Name).Append(' ').Append(v).Append('\n');
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>tristate.conf (Linux 5.2 / Unikraft): tristate symbols that are not n, as Y or M.</summary>
    public string RenderTristateConf() => RenderTristateConf(WrittenSymbols());

    string RenderTristateConf(List<Symbol> written)
    {
        var sb = new StringBuilder();
        Heading(sb, "#", "#", "#");
        foreach (var s in written)
        {
            var v = StringValue(s);
            if (s.Type == SymbolType.Tristate && v != "n")
                sb.Append(Prefix).Append(s.Name).Append('=').Append(char.ToUpperInvariant(v[0])).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>rustc_cfg (Linux 6.1): --cfg flags.</summary>
    public string RenderRustcCfg() => RenderRustcCfg(WrittenSymbols());

    string RenderRustcCfg(List<Symbol> written)
    {
        var sb = new StringBuilder();
        foreach (var s in written)
        {
            if (s.Type == SymbolType.Unknown) continue;
            var v = StringValue(s);
            if (s.Type is SymbolType.Bool or SymbolType.Tristate)
            {
                if (v == "n") continue;
                sb.Append("--cfg=").Append(Prefix).Append(s.Name).Append('\n');
            }
            else if (s.Type == SymbolType.Hex && !(v.StartsWith("0x", StringComparison.Ordinal) || v.StartsWith("0X", StringComparison.Ordinal)))
                v = "0x" + v;
            sb.Append("--cfg=").Append(Prefix).Append(s.Name).Append('=').Append(Escape(v)).Append('\n');
        }
        return sb.ToString();
    }

    List<Symbol> WrittenSymbols()
    {
        EnsureChecked();
        if (opt.Dialect == KconfigDialect.Unikraft) ClearAllValid();
        CalcValue(modulesSym);
        var list = new List<Symbol>();
        foreach (var s in hashOrder)
        {
            CalcValue(s);
            if ((s.Flags & SymFlags.Write) != 0 && s.Name is not null) list.Add(s);
        }
        return list;
    }

    /// <summary>
    /// Writes auto.conf, autoconf.h and (Unikraft) tristate.conf or (Linux) rustc_cfg, each atomically;
    /// auto.conf last, as conf does. Paths default to conf's (include/config/auto.conf, ...).
    /// </summary>
    public void WriteAutoconf(string autoConfPath, string autoHeaderPath, string? tristateOrRustcPath = null)
    {
        var (header, extra, auto) = RenderAutoconfFiles();
        AtomicFile.WriteAllText(autoHeaderPath, header);
        if (tristateOrRustcPath is not null) AtomicFile.WriteAllText(tristateOrRustcPath, extra);
        AtomicFile.WriteAllText(autoConfPath, auto);
    }
}
